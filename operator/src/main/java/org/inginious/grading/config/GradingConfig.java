package org.inginious.grading.config;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * What the operator adds to every grading pod beyond its environment's spec.
 *
 * @param userNamespaces runc and crun grading pods run with {@code hostUsers: false}, so the root
 *     the grader's entrypoint starts as is not root on the node. Turn it off for nodes without
 *     support (kernel >= 6.3, containerd >= 2.0 or CRI-O >= 1.25, runc >= 1.2 or crun >= 1.9).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GradingConfig(Boolean userNamespaces) {

  public static GradingConfig defaults() {
    return new GradingConfig(true);
  }

  GradingConfig overlay(GradingConfig given) {
    return given == null
        ? this
        : new GradingConfig(given.userNamespaces != null ? given.userNamespaces : userNamespaces);
  }
}
