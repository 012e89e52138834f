"""No-JVM users of exported models (recommend, predict): numpy, pyarrow and skops only, never ray or pyspark."""
