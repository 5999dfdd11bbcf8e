package org.inginious.grading.image.common;

import java.util.Optional;
import org.inginious.grading.api.GradingEnvironment;

/**
 * One kind of image source ({@code spec.build.prebuilt}, {@code .layers} or {@code .dockerfile}):
 * how an environment's image is obtained. The dispatcher ({@code image.ImageSources}) chooses the
 * kind once per spec and, for a kind that builds on a base, resolves the base first (base
 * environments, cycles and base images are handled there, in one place).
 *
 * <p>Not sealed: a sealed interface outside a named module may only permit classes of its own
 * package, and each kind has a package of its own.
 */
public interface ImageSource {

  /**
   * Whether the image is built on {@code spec.build.base}, which the dispatcher then resolves
   * before {@link #obtain}.
   */
  boolean buildsOnBase();

  /**
   * The image, or why there is none yet.
   *
   * @param base the base by digest; empty for scratch, and for kinds that do not build on a base
   * @throws ImageProblem when a person must act, or a registry or Secret is not there yet
   */
  Outcome obtain(GradingEnvironment environment, Optional<String> base, ClusterView cluster)
      throws ImageProblem;

  /**
   * The environment is gone: stop what runs for it and delete what it left at once (the garbage
   * collector would too).
   */
  default void forget(GradingEnvironment environment, ClusterView cluster) {}
}
