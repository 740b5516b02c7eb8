"""Fleming: case management and job matching for the Centro Fleming (Comune di Milano)."""

__version__ = "0.1.0"
