"""Presidio's AnalyzerEngine over the privacy corpus, with Stanford CoreNLP's CRF NER
standing in for spaCy's en_core_web_lg (which cannot be downloaded here).

  presidio_redact.py CORPUS_DIR CORENLP_OUT_DIR SPACY_BLANK_DIR OUT_DIR

CORPUS_DIR holds narratives.jsonl (tests/privacy/generate.py). CORENLP_OUT_DIR holds
CoreNLP's JSON output, one file per narrative (NNNNNN.txt.json, line order of
narratives.jsonl), made by run.sh in batch. Writes, for two Presidio configurations,
OUT_DIR/<config>/clean.jsonl ({"id", "clean"}, the input score.py reads):

  default      every entity the registry supports (Presidio's default when no
               entity list is given), LOCATION included;
  no_location  the same without LOCATION, as a deployment that must keep places
               (the Cardiff Model) would configure it.

Each detected span is replaced with "[ENTITY_TYPE]", overlapping spans merged
(the outer extent wins, the label of the highest score). Runs in the venv run.sh
makes (presidio-analyzer and spaCy from PyPI); never part of the product.
"""
import json
import sys
from pathlib import Path

import spacy
import tldextract
from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpEngineProvider
from presidio_analyzer.recognizer_registry import RecognizerRegistry

# CoreNLP NER labels (coarse CRF classes and the fine-grained regexner/SUTime
# classes) mapped the way Presidio's default NerModelConfiguration maps spaCy's
# OntoNotes labels: PERSON, GPE/LOC/FAC -> LOCATION, NORP -> NRP, DATE/TIME ->
# DATE_TIME; ORGANIZATION is ignored by Presidio's default configuration
# (labels_to_ignore), and so are numbers, titles and the rest.
CORENLP_TO_PRESIDIO = {
    "PERSON": "PERSON",
    "LOCATION": "LOCATION", "CITY": "LOCATION", "STATE_OR_PROVINCE": "LOCATION",
    "COUNTRY": "LOCATION",
    "NATIONALITY": "NRP", "RELIGION": "NRP", "IDEOLOGY": "NRP",
    "DATE": "DATE_TIME", "TIME": "DATE_TIME",
}
# Presidio's SpacyRecognizer gives every NER entity this score (ner_strength).
NER_STRENGTH = 0.85

# UK recognizers shipped with presidio-analyzer but disabled by default: enabled
# here so that Presidio is compared at its best on UK forms.
UK_RECOGNIZERS = ["UkNinoRecognizer", "UkPostcodeRecognizer",
                  "UkVehicleRegistrationRecognizer", "UkDrivingLicenceRecognizer",
                  "UkPassportRecognizer", "NhsRecognizer"]


class CoreNlpRecognizer(EntityRecognizer):
    """PERSON / LOCATION / NRP / DATE_TIME from CoreNLP's statistical NER.

    CoreNLP runs once in batch over the corpus (run.sh); this recognizer looks
    the text's entity mentions up (text -> mentions) and returns them as
    Presidio results, as SpacyRecognizer does with spaCy's entities."""

    def __init__(self, mentions_by_text):
        self._mentions = mentions_by_text
        super().__init__(supported_entities=sorted(set(CORENLP_TO_PRESIDIO.values())),
                         name="CoreNlpRecognizer", supported_language="en")

    def load(self):
        pass

    def analyze(self, text, entities, nlp_artifacts=None):
        out = []
        for label, begin, end in self._mentions.get(text, ()):
            entity = CORENLP_TO_PRESIDIO.get(label)
            if entity is None or entity not in entities:
                continue
            out.append(RecognizerResult(
                entity_type=entity, start=begin, end=end, score=NER_STRENGTH,
                recognition_metadata={
                    RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                    RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id}))
        return out


def read_mentions(text, path):
    """(label, begin, end) per CoreNLP entity mention, checked against the text."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    mentions = []
    for sentence in doc["sentences"]:
        for m in sentence.get("entitymentions", ()):
            b, e = m["characterOffsetBegin"], m["characterOffsetEnd"]
            if text[b:e] != m["text"]:  # UTF-16 offsets past a non-BMP character
                raise SystemExit(f"{path}: offsets {b}:{e} do not hold {m['text']!r}")
            mentions.append((m["ner"], b, e))
    return mentions


def build_analyzer(spacy_dir, mentions_by_text):
    # spaCy's blank English pipeline (tokenizer only, no statistical model),
    # saved to disk so Presidio's SpacyNlpEngine loads it without a download.
    if not (Path(spacy_dir) / "config.cfg").exists():
        spacy.blank("en").to_disk(spacy_dir)
    nlp_engine = NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "spacy",
        "models": [{"lang_code": "en", "model_name": str(spacy_dir)}],
    }).create_engine()
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.load_predefined_recognizers(languages=["en"], nlp_engine=nlp_engine)
    names = {r.name for r in registry.recognizers}
    # The NER-backed recognizer of the default set reads spaCy's entities, which
    # a blank pipeline never has: CoreNLP replaces it.
    for r in list(registry.recognizers):
        if r.name in ("SpacyRecognizer",):
            registry.remove_recognizer(r.name)
    from presidio_analyzer import predefined_recognizers as pr
    for cls_name in UK_RECOGNIZERS:
        cls = getattr(pr, cls_name, None)
        if cls is not None and cls_name not in names:
            registry.add_recognizer(cls())
    registry.add_recognizer(CoreNlpRecognizer(mentions_by_text))
    return AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=["en"])


def redact(text, results):
    spans = sorted((r.start, r.end, r.score, r.entity_type) for r in results)
    merged = []
    for start, end, score, label in spans:
        if merged and start < merged[-1][1]:
            last = merged[-1]
            merged[-1] = [last[0], max(last[1], end),
                          max(last[2], score), label if score > last[2] else last[3]]
        else:
            merged.append([start, end, score, label])
    out, pos = [], 0
    for start, end, _, label in merged:
        out.append(text[pos:start])
        out.append(f"[{label}]")
        pos = end
    out.append(text[pos:])
    return "".join(out)


def main():
    # Presidio's EmailRecognizer calls tldextract, which would fetch the public
    # suffix list from GitHub (unreachable here): use the list bundled in the wheel.
    tldextract.extract = tldextract.TLDExtract(cache_dir=None, suffix_list_urls=())
    corpus, corenlp_out, spacy_dir, out_dir = (Path(a) for a in sys.argv[1:5])
    with open(corpus / "narratives.jsonl", encoding="utf-8") as f:
        narratives = [json.loads(line) for line in f if line.strip()]
    mentions = {}
    for i, n in enumerate(narratives):
        mentions[n["text"]] = read_mentions(n["text"], corenlp_out / f"{i:06d}.txt.json")
    analyzer = build_analyzer(spacy_dir, mentions)
    recognizers = sorted(r.name for r in analyzer.registry.recognizers)
    all_entities = analyzer.get_supported_entities(language="en")
    configs = {"default": None,
               "no_location": [e for e in all_entities if e != "LOCATION"]}
    files = {}
    for config in configs:
        (out_dir / config).mkdir(parents=True, exist_ok=True)
        files[config] = open(out_dir / config / "clean.jsonl", "w", encoding="utf-8")
    for n in narratives:
        results = analyzer.analyze(text=n["text"], language="en")
        for config, entities in configs.items():
            kept = results if entities is None else [r for r in results if r.entity_type in entities]
            files[config].write(json.dumps({"id": n["id"], "clean": redact(n["text"], kept)},
                                           ensure_ascii=False) + "\n")
    for f in files.values():
        f.close()
    (out_dir / "recognizers.txt").write_text("\n".join(recognizers) + "\n", encoding="utf-8")
    print(f"presidio: {len(narratives)} narratives, {len(recognizers)} recognizers "
          f"(list in {out_dir / 'recognizers.txt'})")


if __name__ == "__main__":
    main()
