"""Assessment services: index."""


def run_queued():
    """Run the queued IndexRuns (claimed with a conditional UPDATE); returns how many ran."""
    return 0
