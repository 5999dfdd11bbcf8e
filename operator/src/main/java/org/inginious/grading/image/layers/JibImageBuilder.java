package org.inginious.grading.image.layers;

import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.JibContainerBuilder;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.api.TarImage;
import com.google.cloud.tools.jib.event.events.TimerEvent;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds a {@code layers} image in process with jib-core: the base image (or scratch), one layer
 * with the request's files, env, working directory and labels, pushed to a registry. No Docker
 * daemon, no root, no pod. The request becomes jib's container in {@link JibContainers}; base
 * layers are mounted across repositories first by {@link BaseLayerMounts}; jib's events are read by
 * {@link BuildEvents}, its failures translated by {@link JibErrors}; the demo writes {@link
 * Tarballs}.
 *
 * <p>Reproducible: jib sets the creation time to the epoch, we set every file's modification time
 * to jib's fixed default and the permissions explicitly, and env and labels are written in key
 * order, so the same request (with the base pinned by digest) always gives the same digest, and an
 * unchanged rebuild uploads no blob (jib checks each blob with a HEAD first).
 *
 * <p>Thread-safe: each {@link #build} runs on its own short-lived thread pool, which it shuts down
 * (interrupting jib's threads) on success, failure or timeout. Callers bound concurrency themselves
 * (the operator's {@code builds.jib.maxConcurrent} executor). {@code build} blocks the calling
 * thread for at most about the request's timeout.
 */
public final class JibImageBuilder {
  private static final Logger LOG = LoggerFactory.getLogger(JibImageBuilder.class);

  public static final String TOOL_NAME = "grading-environment-operator";

  private static final String DOCKER_HUB_API = "registry-1.docker.io";

  private final Path baseLayersCache;
  private final Path applicationLayersCache;
  private final Consumer<String> log;
  private final AtomicInteger builds = new AtomicInteger();

  /** Demo mode: images are written as tarballs instead of being pushed (null: push). */
  private final Tarballs tarballs;

  /**
   * @param baseLayersCache jib's cache of pulled base layers; shareable by builds and kept across
   *     restarts (the operator's {@code builds.jib.cacheDir})
   * @param applicationLayersCache jib's cache of built layers; also holds the staging directory
   *     where the request's files are written during a build
   */
  public JibImageBuilder(Path baseLayersCache, Path applicationLayersCache) {
    this(baseLayersCache, applicationLayersCache, line -> {});
  }

  /**
   * @param log receives jib's log lines (jib never logs credentials)
   */
  public JibImageBuilder(Path baseLayersCache, Path applicationLayersCache, Consumer<String> log) {
    this(baseLayersCache, applicationLayersCache, log, null);
  }

  private JibImageBuilder(
      Path baseLayersCache, Path applicationLayersCache, Consumer<String> log, Tarballs tarballs) {
    this.baseLayersCache = baseLayersCache.toAbsolutePath();
    this.applicationLayersCache = applicationLayersCache.toAbsolutePath();
    this.log = log;
    this.tarballs = tarballs;
  }

  /**
   * For the `demo`, where no registry may be reachable: images are written as tarballs (docker save
   * format) into {@code tarDirectory}; a base built earlier by this builder is read back from its
   * tarball by digest. The digest is the one a push of the same image would give.
   */
  public static JibImageBuilder writingTarballs(
      Path baseLayersCache, Path applicationLayersCache, Path tarDirectory) {
    return new JibImageBuilder(
        baseLayersCache, applicationLayersCache, line -> {}, new Tarballs(tarDirectory));
  }

  public BuildResult build(LayersBuildRequest request) throws BuildFailure {
    long started = System.nanoTime();
    ImageReference target = parse(request.target(), "target");
    Optional<ImageReference> base =
        request.base().isPresent()
            ? Optional.of(parse(request.base().get(), "base"))
            : Optional.empty();
    if (request.insecure()) {
      allowCredentialsOverHttp();
    }

    int number = builds.incrementAndGet();
    ExecutorService pool = Executors.newCachedThreadPool(threads("jib-build-" + number + "-"));
    // Completed by containerize, or early (exceptionally) when a registry stops answering.
    CompletableFuture<JibContainer> outcome = new CompletableFuture<>();
    BuildEvents events = new BuildEvents(log, outcome);
    Path staging = null;
    try {
      staging = JibContainers.stagingDirectory(applicationLayersCache);
      Optional<Path> baseTarball = tarballs == null ? Optional.empty() : base.flatMap(tarballs::of);
      JibContainerBuilder container = JibContainers.of(request, base, baseTarball, staging);
      Path tarball = tarballs == null ? null : tarballs.of(target, repository(target));
      Containerizer containerizer =
          (tarball == null
                  ? Containerizer.to(
                      JibContainers.registryImage(target, request.targetCredentials()))
                  : Containerizer.to(TarImage.at(tarball).named(target)))
              .setAllowInsecureRegistries(request.insecure())
              .setBaseImageLayersCache(baseLayersCache)
              .setApplicationLayersCache(applicationLayersCache)
              .setToolName(TOOL_NAME)
              .setExecutorService(pool)
              .addEventHandler(LogEvent.class, events::onLog)
              .addEventHandler(TimerEvent.class, events::onTimer);
      pool.execute(
          () -> {
            try {
              if (tarball == null) {
                base.ifPresent(b -> BaseLayerMounts.mount(b, target, request, events::onLog, log));
              }
              outcome.complete(container.containerize(containerizer));
            } catch (Throwable t) {
              outcome.completeExceptionally(t);
            }
          });
      JibContainer result = await(outcome, request, target);

      String digest = result.getDigest().toString();
      if (tarball != null) {
        tarballs.written(digest, tarball);
      }
      // jib pushes the container configuration as a blob like the layers
      Set<String> uploaded = events.uploaded();
      boolean configUploaded = uploaded.remove(result.getImageId().toString());
      int layers = uploaded.size();
      int blobs = layers + (configUploaded ? 1 : 0);
      Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
      log.accept(
          "built "
              + request.target()
              + " -> "
              + digest
              + " in "
              + elapsed.toMillis()
              + " ms; layer blobs uploaded: "
              + layers
              + ", blobs already in the registry: "
              + events.skipped());
      return new BuildResult(digest, repository(target) + "@" + digest, layers, blobs, elapsed);
    } catch (IOException e) {
      throw JibErrors.cannotPrepare(request, e);
    } catch (IllegalArgumentException e) {
      throw JibErrors.invalid(request, e);
    } finally {
      stop(pool);
      JibContainers.deleteQuietly(staging);
    }
  }

  /**
   * A build's threads end with it: a failed build's jib threads could otherwise still be writing
   * its layer cache after build() returned.
   */
  private static void stop(ExecutorService pool) {
    pool.shutdownNow();
    try {
      if (!pool.awaitTermination(10, TimeUnit.SECONDS)) {
        LOG.warn("jib threads still running 10 s after their build ended");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private JibContainer await(
      CompletableFuture<JibContainer> outcome, LayersBuildRequest request, ImageReference target)
      throws BuildFailure {
    try {
      return outcome.get(request.timeout().toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      // jib has no timeout of its own; the finally block of build() interrupts its threads.
      throw JibErrors.timedOut(request);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw JibErrors.interrupted(request, e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      if (cause instanceof BuildFailure failure) {
        throw failure;
      }
      throw JibErrors.translate(cause, request, target);
    }
  }

  private static ImageReference parse(String reference, String role) throws BuildFailure {
    try {
      ImageReference ref = ImageReference.parse(reference.trim());
      if (!ref.isScratch()
          && ref.getRepository().equals(ref.getRepository().toLowerCase(Locale.ROOT))) {
        return ref;
      }
    } catch (InvalidImageReferenceException e) {
      // reported below
    }
    throw JibErrors.invalidReference(reference, role);
  }

  private static String repository(ImageReference ref) {
    String registry = ref.getRegistry();
    return (DOCKER_HUB_API.equals(registry) ? "docker.io" : registry) + "/" + ref.getRepository();
  }

  /**
   * jib drops the Authorization header on plain-HTTP requests unless the JVM-wide system property
   * {@code sendCredentialsOverHttp} is true (read when each build's HTTP client is created), so a
   * push with credentials to an {@code insecure} registry would fail as unauthorized. Whoever marks
   * a registry insecure has accepted that credentials travel in clear text. Set for every insecure
   * build, with or without credentials, so that a registry wanting credentials we do not have fails
   * with jib's plain "Unauthorized for registry/repository" instead of a misleading "not sent over
   * HTTP". Setting the property does not weaken builds with {@code insecure: false}: their HTTP
   * client never falls back to plain HTTP (it refuses http:// URLs outright). We never clear it
   * again, since concurrent insecure builds rely on it.
   */
  private static synchronized void allowCredentialsOverHttp() {
    if (!Boolean.getBoolean("sendCredentialsOverHttp")) {
      System.setProperty("sendCredentialsOverHttp", "true");
    }
  }

  private static ThreadFactory threads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return runnable -> {
      Thread t = new Thread(runnable, prefix + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
