"""What every layer shares and nothing of ours is imported by: errors (more moves here with the layout work)."""
