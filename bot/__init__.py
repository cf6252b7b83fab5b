"""Export-control tutor: offline, cited answers on Japan's export controls and the 2019 case."""

__version__ = "0.1.0"
