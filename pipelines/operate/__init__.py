"""Running the pipeline: daily partitions, the schedule and the landing-folder sensor, the
runner behind `attrib demo`, the work-folder lock, and the offline run the benchmarks use."""
