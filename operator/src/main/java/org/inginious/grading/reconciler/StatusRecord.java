package org.inginious.grading.reconciler;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.util.Objects;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.api.GradingEnvironmentStatus;

/**
 * The environment as a reconcile found it, to write its status only when it changed. The write is
 * ours rather than JOSDK's so that what follows a write (waking related environments, events) runs
 * once the new status is in the primary cache, where those environments read it.
 */
final class StatusRecord {
  private final Context<GradingEnvironment> context;
  private final KubernetesSerialization serialization;
  private final GradingEnvironment found;
  private final String statusFound;

  StatusRecord(GradingEnvironment environment, Context<GradingEnvironment> context) {
    this.context = context;
    this.serialization = context.getClient().getKubernetesSerialization();
    this.found = serialization.clone(environment);
    this.statusFound = json(environment.getStatus());
  }

  boolean unchanged(GradingEnvironment environment) {
    return Objects.equals(statusFound, json(environment.getStatus()));
  }

  GradingEnvironmentStatus before() {
    return found.getStatus();
  }

  /**
   * A JSON patch from the status found to the environment's status, when they differ; the answer
   * goes into the primary cache and its watch event wakes nobody (JOSDK filters our own writes).
   */
  boolean write(GradingEnvironment environment) {
    if (unchanged(environment)) {
      return false;
    }
    GradingEnvironmentStatus status = environment.getStatus();
    context
        .resourceOperations()
        .jsonPatchPrimaryStatus(
            serialization.clone(found),
            e -> {
              e.setStatus(status);
              return e;
            });
    return true;
  }

  private String json(GradingEnvironmentStatus status) {
    return status == null ? "" : serialization.asJson(status);
  }
}
