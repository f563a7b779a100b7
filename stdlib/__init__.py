"""What flows can call, and how a project declares it: the tool port and its adapters
(`stdlib.tools`), mocks, the tool registry (`stdlib.registry`), CQL (`stdlib.cql`), OpenAPI
import, and the project configuration (``fdl.yaml``).

The GML built-in functions and methods live with the language, in `gml.builtins`.
"""
