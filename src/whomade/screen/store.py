"""Database tables of this stage."""
