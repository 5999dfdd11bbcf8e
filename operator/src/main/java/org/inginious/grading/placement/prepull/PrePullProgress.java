package org.inginious.grading.placement.prepull;

import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatus;
import java.util.Objects;

/**
 * How far one image is pulled by its pre-pull DaemonSet, from the DaemonSet's status alone.
 *
 * <p>A node has the image when its pre-pull pod is of the current template and Ready: a pod is
 * Ready only after every init container, so every pull, has finished. Nothing is pulled until the
 * template holds the image and the DaemonSet controller has seen that template
 * (status.observedGeneration == metadata.generation): before, the counts are of older templates.
 * The status counts, per node that should run a pod, the oldest pod there: updatedNumberScheduled
 * those of the current template, numberReady those Ready, both among currentNumberScheduled. It
 * does not count the nodes where one pod is both, so this takes the least the counts allow: updated
 * + ready - scheduled (never below 0). During a rollout, while a node still runs its old pod next
 * to a Ready new one, that node counts as not pulled yet: progress is never overstated.
 *
 * @param desired nodes that should run a pre-pull pod (desiredNumberScheduled)
 * @param pulled of those, nodes known to hold the image
 * @param complete every desired node holds the image (also when no node is desired: nothing is left
 *     to pull)
 */
public record PrePullProgress(int desired, int pulled, boolean complete) {

  public static final PrePullProgress NONE = new PrePullProgress(0, 0, false);

  /**
   * No node can run the environment's pods: there is nothing to pull, whatever the DaemonSet says.
   */
  public static final PrePullProgress NOTHING_TO_PULL = new PrePullProgress(0, 0, true);

  /**
   * How far an environment's image is pulled: {@link #of}, unless no node can run the environment's
   * pods; then nothing is left to pull, whether or not the DaemonSet controller has looked yet.
   *
   * @param daemonSet its group's DaemonSet, null when there is none
   * @param eligibleNodes nodes that can run the environment's grading pods
   */
  public static PrePullProgress forEnvironment(
      DaemonSet daemonSet, String image, int eligibleNodes) {
    return eligibleNodes == 0 && PrePullMembership.holdsImage(daemonSet, image)
        ? NOTHING_TO_PULL
        : of(daemonSet, image);
  }

  /**
   * @param image repository@sha256:..., as in the member's init container
   */
  public static PrePullProgress of(DaemonSet daemonSet, String image) {
    if (daemonSet == null || daemonSet.getStatus() == null) {
      return NONE;
    }
    DaemonSetStatus status = daemonSet.getStatus();
    int desired = count(status.getDesiredNumberScheduled());
    boolean holdsImage = PrePullMembership.holdsImage(daemonSet, image);
    boolean observed =
        daemonSet.getMetadata().getGeneration() != null
            && Objects.equals(
                status.getObservedGeneration(), daemonSet.getMetadata().getGeneration());
    if (!holdsImage || !observed) {
      return new PrePullProgress(desired, 0, false);
    }
    int updated = count(status.getUpdatedNumberScheduled());
    int ready = count(status.getNumberReady());
    int scheduled = Math.max(count(status.getCurrentNumberScheduled()), Math.max(updated, ready));
    int pulled = Math.min(Math.max(0, updated + ready - scheduled), desired);
    return new PrePullProgress(desired, pulled, pulled >= desired);
  }

  private static int count(Integer value) {
    return value == null ? 0 : value;
  }
}
