"""The report: report/build.py makes it from the notebooks; report/helpers.py serves the notebooks."""
