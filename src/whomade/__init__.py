"""whomade: who really made this product, and is that maker on a government restriction list?"""

__version__ = "0.1.0"
