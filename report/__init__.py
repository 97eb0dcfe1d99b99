"""The report: report/build.py makes it from the notebooks, after report/preflight.py has checked the
settings, the corpus and the fonts; the other modules serve the notebooks,
one job each: runs (set-up and run files), render (generated text and tables), textstats
(measurements of text), baselines (n-grams, compressors), analysis (what the network does with a
text), findings (the wording of findings), handouts (the two handouts)."""
