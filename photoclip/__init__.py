"""photoclip: find and organise your own photos by meaning, privately, on your own machine."""
__version__ = "0.1.0"
