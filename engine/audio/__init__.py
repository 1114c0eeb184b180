"""The soundscape: a pyo server on the best output available, the composers' modules it
plays, the master that keeps it safe, and the analysis the shaders read.

`host.Soundscape` is the frame loop's entry point; `contract` is what composers import.
Importing this package loads nothing heavy: the probe's child process starts from here.
"""
