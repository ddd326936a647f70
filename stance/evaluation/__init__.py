"""Models to numbers: metrics, article-bootstrap intervals, paired tests and evaluation under shift (temporal, leave-actor-out)."""
