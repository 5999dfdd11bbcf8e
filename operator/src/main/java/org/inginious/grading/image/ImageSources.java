package org.inginious.grading.image;

import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.inginious.grading.api.BuildSpec;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.image.common.ClusterView;
import org.inginious.grading.image.common.ImageLookup;
import org.inginious.grading.image.common.ImageProblem;
import org.inginious.grading.image.common.ImageSource;
import org.inginious.grading.image.common.Outcome;
import org.inginious.grading.image.common.RegistrySecrets;
import org.inginious.grading.image.dockerfile.DockerfileSource;
import org.inginious.grading.image.dockerfile.KanikoBuilds;
import org.inginious.grading.image.layers.LayersBuilds;
import org.inginious.grading.image.layers.LayersSource;
import org.inginious.grading.image.prebuilt.PrebuiltImages;
import org.inginious.grading.image.prebuilt.PrebuiltSource;

/**
 * Where an environment's image comes from: a prebuilt image pinned by digest, or a build whose
 * inputs (base digest, ConfigMaps, spec) hash to a tag. The kind of source is chosen once per spec
 * ({@link #sourceFor}); a kind that builds on a base gets it resolved first, by {@link BaseImages}.
 * Problems are thrown as {@link ImageProblem}; everything else is an {@link Outcome} the reconciler
 * records.
 *
 * <p>Dependencies point one way: this package imports the kinds ({@code image.prebuilt}, {@code
 * image.layers}, {@code image.dockerfile}); they import {@code image.common} (the contract and what
 * they share) and {@code image.registry}, never this package nor each other.
 */
public class ImageSources {
  private final ImageSource prebuilt;
  private final ImageSource layers;
  private final ImageSource dockerfile;
  private final BaseImages bases;

  public ImageSources(
      PrebuiltImages prebuiltImages,
      ImageLookup images,
      RegistrySecrets secrets,
      LayersBuilds layersBuilds,
      KanikoBuilds kanikoBuilds,
      Clock clock) {
    this.prebuilt = new PrebuiltSource(prebuiltImages);
    this.layers = new LayersSource(layersBuilds, secrets, clock);
    this.dockerfile = new DockerfileSource(kanikoBuilds);
    this.bases = new BaseImages(images, secrets);
  }

  public Outcome obtain(GradingEnvironment environment, ClusterView cluster) throws ImageProblem {
    ImageSource source = sourceFor(environment.getSpec().build);
    Optional<String> base = Optional.empty();
    if (source.buildsOnBase()) {
      BaseImages.Base resolved = bases.resolve(environment, cluster);
      if (resolved.waiting() != null) {
        return resolved.waiting();
      }
      base = resolved.pinned();
    }
    return source.obtain(environment, base, cluster);
  }

  /** The one place that tells the kinds apart; the validator has made sure exactly one is set. */
  ImageSource sourceFor(BuildSpec build) {
    if (build.prebuilt != null) {
      return prebuilt;
    }
    return build.layers != null ? layers : dockerfile;
  }

  /**
   * The environment is gone: stop its in-process build, and delete its build Jobs and ConfigMaps at
   * once (the garbage collector would too).
   */
  public void forget(GradingEnvironment environment, ClusterView cluster) {
    for (ImageSource source : List.of(prebuilt, layers, dockerfile)) {
      source.forget(environment, cluster);
    }
  }
}
