package org.inginious.grading.api;

public enum Phase {
  Pending,
  Building,
  Ready,
  Failed
}
