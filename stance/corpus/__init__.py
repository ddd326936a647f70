"""Reading articles: JSONL, CSV, HTML and text files into `Article` records, with located rejects."""
