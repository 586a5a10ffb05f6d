"""aoai-emulator: a local emulator of the Azure OpenAI service."""

__version__ = "0.1.0"
