"""The domain of the wizard. Nothing here may import Textual (import-linter contract)."""
