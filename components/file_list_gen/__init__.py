"""FileListGen: list the instances of an incoming batch."""
from components.file_list_gen.component import FileListGen

__all__ = ["FileListGen"]
