"""Background work of the assessment app, run by `gridgov worker` on every pass: queued index runs
and the alert evaluation. Each returns how much it did; both are safe to run from several workers."""


def tick(now=None):
    from .services import alerts, index

    return {
        "index runs": index.run_queued(),
        "alerts raised": alerts.evaluate_due(now),
    }
