"""The pygls language server for FDL and GML (planned)."""
