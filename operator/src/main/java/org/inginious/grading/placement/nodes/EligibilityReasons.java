package org.inginious.grading.placement.nodes;

/** Reasons of the node eligibility verdict: stable, CamelCase, for a condition of the environment. */
public final class EligibilityReasons {
  /** At least one Ready node can run the grading pods. */
  public static final String ELIGIBLE_NODES = "EligibleNodes";
  /** No node can run them: the message names the requirement no node meets. */
  public static final String NO_ELIGIBLE_NODES = "NoEligibleNodes";
  /** Nodes can run them, but none of those is Ready. */
  public static final String NO_READY_NODES = "NoReadyNodes";

  private EligibilityReasons() {}
}
