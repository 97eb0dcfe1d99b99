"""The report: report/build.py makes it from the notebooks; the other modules serve the notebooks,
one job each: runs (set-up and run files), render (generated text and tables), textstats
(measurements of text), baselines (n-grams, compressors), analysis (what the network does with a
text), findings (the wording of findings), handouts (the two handouts)."""
