"""Everything Qt: main window, pages, models, workers."""
