"""PrepLab labs: runnable PyTorch experiments that emit one JSON result each."""
