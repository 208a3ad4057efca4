// Configs, runs, analyses, statistics and reports live here.
