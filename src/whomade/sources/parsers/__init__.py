"""One parser per official file format. Each turns bytes into :class:`ParsedList` or raises
:class:`~whomade.sources.errors.ListFormatError` naming the file, line and what was expected."""
