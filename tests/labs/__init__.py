"""Tests of the labs: the framework and each lab on its CPU size."""
