"""What every answered request leaves behind: its journal entry, its metrics and its
access-log line."""
