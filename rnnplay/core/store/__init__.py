"""What outlives a process: the checkpoint format (and run folders).

Checkpoints are ``.npz`` files with a JSON manifest, written atomically and
read without pickle.
"""
