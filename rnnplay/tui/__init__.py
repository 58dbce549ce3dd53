"""The Textual face of rnnplay: a playground that shows an RNN learning, live."""
