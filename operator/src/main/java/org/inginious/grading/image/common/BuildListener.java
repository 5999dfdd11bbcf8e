package org.inginious.grading.image.common;

import java.time.Duration;

/** Told about every finished build, in process (jib) or as a Kaniko Job (metrics). */
public interface BuildListener {
  BuildListener NONE = (strategy, outcome, duration) -> {};

  /**
   * @param strategy "jib" or "kaniko"
   * @param outcome "succeeded", "failed" or "timeout"
   */
  void finished(String strategy, String outcome, Duration duration);
}
