package org.inginious.grading.image.layers;

import static org.inginious.grading.image.layers.BuildFailure.Reason.BASE_IMAGE_NOT_FOUND;
import static org.inginious.grading.image.layers.BuildFailure.Reason.BUILD_FAILED;
import static org.inginious.grading.image.layers.BuildFailure.Reason.BUILD_TIMEOUT;
import static org.inginious.grading.image.layers.BuildFailure.Reason.PUSH_UNAUTHORIZED;
import static org.inginious.grading.image.layers.BuildFailure.Reason.REGISTRY_UNAVAILABLE;

import com.google.cloud.tools.jib.api.CacheDirectoryCreationException;
import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.DescriptorDigest;
import com.google.cloud.tools.jib.api.RegistryException;
import com.google.cloud.tools.jib.blob.Blob;
import com.google.cloud.tools.jib.blob.BlobDescriptor;
import com.google.cloud.tools.jib.event.EventHandlers;
import com.google.cloud.tools.jib.http.FailoverHttpClient;
import com.google.cloud.tools.jib.image.json.BuildableManifestTemplate;
import com.google.cloud.tools.jib.image.json.ManifestListTemplate;
import com.google.cloud.tools.jib.image.json.ManifestTemplate;
import com.google.cloud.tools.jib.registry.RegistryClient;
import java.util.List;
import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.TarImage;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.InsecureRegistryException;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.JibContainerBuilder;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.api.RegistryAuthenticationFailedException;
import com.google.cloud.tools.jib.api.RegistryImage;
import com.google.cloud.tools.jib.api.RegistryUnauthorizedException;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.FilePermissions;
import com.google.cloud.tools.jib.event.events.TimerEvent;
import com.google.cloud.tools.jib.http.ResponseException;
import com.google.cloud.tools.jib.registry.RegistryCredentialsNotSentException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.net.ssl.SSLException;
import org.inginious.grading.image.registry.RegistryCredentials;

/**
 * Builds a {@code layers} image in process with jib-core: the base image (or scratch), one layer
 * with the request's files, env, working directory and labels, pushed to a registry. No Docker
 * daemon, no root, no pod.
 *
 * <p>Reproducible: jib sets the creation time to the epoch, we set every file's modification time
 * to jib's fixed default and the permissions explicitly, and env and labels are written in key
 * order, so the same request (with the base pinned by digest) always gives the same digest, and an
 * unchanged rebuild uploads no blob (jib checks each blob with a HEAD first).
 *
 * <p>Thread-safe: each {@link #build} runs on its own short-lived thread pool, which it shuts down
 * (interrupting jib's threads) on success, failure or timeout. Callers bound concurrency
 * themselves (the operator's {@code builds.jib.maxConcurrent} executor). {@code build} blocks the
 * calling thread for at most about the request's timeout.
 */
public final class JibImageBuilder {

  public static final String TOOL_NAME = "grading-environment-operator";

  /** Every file's modification time in the layer: jib's own fixed default (epoch + 1 s). */
  static final Instant FILE_MODIFICATION_TIME = FileEntriesLayer.DEFAULT_MODIFICATION_TIME;

  private static final String STAGING_DIR = "grading-operator-staging";
  private static final String DOCKER_HUB_API = "registry-1.docker.io";
  private static final String PUSH_BLOB_UPLOAD = "pushBlob PATCH ";
  private static final String RETRY_WARNING = " failed and will be retried";
  private static final Pattern URL_HOST = Pattern.compile("https?://([^/\\s]+)");
  private static final Pattern NOT_SENT = Pattern.compile("credentials for (\\S+) were not sent");
  private static final Pattern ANSI = Pattern.compile("\u001B\\[[0-9;]*m");

  private final Path baseLayersCache;
  private final Path applicationLayersCache;
  private final Consumer<String> log;
  private final AtomicInteger builds = new AtomicInteger();
  /** Demo mode: images are written here as tarballs instead of being pushed (null: push). */
  private final Path tarDirectory;
  private final Map<String, Path> tarballsByDigest = new ConcurrentHashMap<>();

  /**
   * @param baseLayersCache jib's cache of pulled base layers; shareable by builds and kept across
   *     restarts (the operator's {@code builds.jib.cacheDir})
   * @param applicationLayersCache jib's cache of built layers; also holds the staging directory
   *     where the request's files are written during a build
   */
  public JibImageBuilder(Path baseLayersCache, Path applicationLayersCache) {
    this(baseLayersCache, applicationLayersCache, line -> {});
  }

  /** @param log receives jib's log lines (jib never logs credentials) */
  public JibImageBuilder(Path baseLayersCache, Path applicationLayersCache, Consumer<String> log) {
    this(baseLayersCache, applicationLayersCache, log, null);
  }

  private JibImageBuilder(Path baseLayersCache, Path applicationLayersCache, Consumer<String> log, Path tarDirectory) {
    this.baseLayersCache = baseLayersCache.toAbsolutePath();
    this.applicationLayersCache = applicationLayersCache.toAbsolutePath();
    this.log = log;
    this.tarDirectory = tarDirectory;
  }

  /**
   * For the `demo`, where no registry may be reachable: images are written as tarballs (docker
   * save format) into {@code tarDirectory}; a base built earlier by this builder is read back from
   * its tarball by digest. The digest is the one a push of the same image would give.
   */
  public static JibImageBuilder writingTarballs(Path baseLayersCache, Path applicationLayersCache, Path tarDirectory) {
    return new JibImageBuilder(baseLayersCache, applicationLayersCache, line -> {}, tarDirectory.toAbsolutePath());
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
    Set<String> uploaded = ConcurrentHashMap.newKeySet();
    AtomicInteger skipped = new AtomicInteger();
    // Completed by containerize, or early (exceptionally) when a registry stops answering.
    CompletableFuture<JibContainer> outcome = new CompletableFuture<>();
    Path staging = null;
    try {
      staging = stagingDirectory();
      JibContainerBuilder container = containerBuilder(request, base, staging);
      Path tarball = tarDirectory == null ? null
          : tarDirectory.resolve(repository(target).replaceAll("[^A-Za-z0-9._-]", "_") + "_" + target.getQualifier() + ".tar");
      Containerizer containerizer =
          (tarball == null
                  ? Containerizer.to(registryImage(target, request.targetCredentials()))
                  : Containerizer.to(TarImage.at(tarball).named(target)))
              .setAllowInsecureRegistries(request.insecure())
              .setBaseImageLayersCache(baseLayersCache)
              .setApplicationLayersCache(applicationLayersCache)
              .setToolName(TOOL_NAME)
              .setExecutorService(pool)
              .addEventHandler(LogEvent.class, event -> onLog(event, skipped, outcome))
              .addEventHandler(TimerEvent.class, event -> onTimer(event, uploaded));
      pool.execute(() -> {
        try {
          if (tarball == null) {
            base.ifPresent(b -> mountBaseLayers(b, target, request, skipped, outcome));
          }
          outcome.complete(container.containerize(containerizer));
        } catch (Throwable t) {
          outcome.completeExceptionally(t);
        }
      });
      JibContainer result = await(outcome, request, target);

      String digest = result.getDigest().toString();
      if (tarball != null) {
        tarballsByDigest.put(digest, tarball);
      }
      // jib pushes the container configuration as a blob like the layers
      boolean configUploaded = uploaded.remove(result.getImageId().toString());
      int layers = uploaded.size();
      int blobs = layers + (configUploaded ? 1 : 0);
      Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
      log.accept("built " + request.target() + " -> " + digest + " in " + elapsed.toMillis()
          + " ms; layer blobs uploaded: " + layers + ", blobs already in the registry: "
          + skipped.get());
      return new BuildResult(digest, repository(target) + "@" + digest, layers, blobs, elapsed);
    } catch (IOException e) {
      throw new BuildFailure(
          BUILD_FAILED, "Cannot prepare the build of " + request.target() + ": " + clean(e), e);
    } catch (IllegalArgumentException e) {
      // jib's own validation, e.g. a relative working directory
      throw new BuildFailure(
          BUILD_FAILED, "Invalid build of " + request.target() + ": " + clean(e), e);
    } finally {
      pool.shutdownNow();
      deleteQuietly(staging);
    }
  }

  private JibContainerBuilder containerBuilder(
      LayersBuildRequest request, Optional<ImageReference> base, Path staging) throws IOException {
    JibContainerBuilder builder =
        base.isPresent()
            ? localTarball(base.get())
                .map(tar -> Jib.from(TarImage.at(tar).named(base.get())))
                .orElseGet(() -> Jib.from(registryImage(base.get(), request.baseCredentials())))
            : Jib.fromScratch();
    if (!request.files().isEmpty()) {
      FileEntriesLayer.Builder layer = FileEntriesLayer.builder().setName("grading-files");
      int i = 0;
      for (LayersBuildRequest.FileEntry file : request.files()) {
        // jib reads layer contents from files. One fresh staging directory per build: jib's
        // application-layer cache keys on source path and modification time, so a reused path
        // could serve a stale layer; a fresh path only costs re-compressing a few small files.
        Path source = staging.resolve("f" + i++);
        Files.write(source, file.content());
        Files.setLastModifiedTime(source, FileTime.from(FILE_MODIFICATION_TIME));
        layer.addEntry(
            source,
            AbsoluteUnixPath.get(file.absolutePathInImage()),
            FilePermissions.fromOctalString(String.format(Locale.ROOT, "%03o", file.mode())),
            FILE_MODIFICATION_TIME);
      }
      builder.addFileEntriesLayer(layer.build());
    }
    // Key order, not the caller's map order: the same spec always gives the same config blob.
    builder.setEnvironment(new TreeMap<>(request.env()));
    builder.setLabels(new TreeMap<>(request.labels()));
    if (request.workingDir() != null && !request.workingDir().isBlank()) {
      builder.setWorkingDirectory(AbsoluteUnixPath.get(request.workingDir()));
    }
    builder.setCreationTime(Instant.EPOCH); // jib's default too; explicit because digests depend on it
    return builder;
  }

  /**
   * jib 0.28.1 downloads every base layer that the target repository lacks into the base-layer
   * cache before pushing, even when it then mounts the layer from the base repository instead of
   * uploading it (a "TODO: also check if cross-repo blob mount is possible" in
   * ObtainBaseImageLayerStep). For a new environment repository that is a download of the whole
   * base (gigabytes for CUDA images) into the operator's cache volume. When base and target share
   * a registry, we ask the registry to mount the base layers into the target repository first
   * (HEAD, then {@code POST /v2/<target>/blobs/uploads/?mount=<digest>&from=<base>}); jib then
   * finds them there and neither downloads nor uploads them. Best effort: on any failure jib
   * does what it always does, and reports real errors itself.
   */
  private Optional<Path> localTarball(ImageReference base) {
    return base.getDigest().map(tarballsByDigest::get);
  }

  private void mountBaseLayers(
      ImageReference base,
      ImageReference target,
      LayersBuildRequest request,
      AtomicInteger skipped,
      CompletableFuture<JibContainer> outcome) {
    if (!base.getRegistry().equals(target.getRegistry())
        || base.getRepository().equals(target.getRepository())) {
      return;
    }
    EventHandlers events =
        EventHandlers.builder().add(LogEvent.class, e -> onLog(e, skipped, outcome)).build();
    FailoverHttpClient http =
        new FailoverHttpClient(request.insecure(), request.insecure(), e -> onLog(e, skipped, outcome));
    int mounted = 0;
    int present = 0;
    try {
      RegistryClient source =
          client(events, base, request.baseCredentials(), http, false);
      ManifestTemplate manifest = source.pullManifest(base.getQualifier()).getManifest();
      if (manifest instanceof ManifestListTemplate list) {
        List<String> amd64 = list.getDigestsForPlatform("amd64", "linux");
        if (amd64.isEmpty()) {
          return; // jib reports it
        }
        manifest = source.pullManifest(amd64.get(0)).getManifest();
      }
      if (!(manifest instanceof BuildableManifestTemplate buildable)) {
        return;
      }
      RegistryClient destination = client(events, target, request.targetCredentials(), http, true);
      for (BuildableManifestTemplate.ContentDescriptorTemplate layer : buildable.getLayers()) {
        DescriptorDigest digest = layer.getDigest();
        if (digest == null) {
          continue;
        }
        if (destination.checkBlob(digest).isPresent()) {
          present++;
        } else if (destination.pushBlob(digest, NO_UPLOAD, base.getRepository(), n -> {})) {
          mounted++;
        }
      }
    } catch (IOException | RegistryException | RuntimeException e) {
      log.accept("DEBUG mounting base layers into " + target + " skipped: " + clean(e));
    } finally {
      log.accept("DEBUG base layers mounted into " + target.getRepository() + ": " + mounted
          + ", already there: " + present);
      try {
        http.shutDown();
      } catch (IOException e) {
        // connections only
      }
    }
  }

  /** Stands in for content we do not have: a mount that the registry refuses is not uploaded. */
  private static final Blob NO_UPLOAD =
      new Blob() {
        @Override
        public BlobDescriptor writeTo(java.io.OutputStream out) throws IOException {
          throw new IOException("the registry did not mount the layer");
        }

        @Override
        public boolean isRetryable() {
          return false;
        }
      };

  private static RegistryClient client(
      EventHandlers events,
      ImageReference image,
      Optional<RegistryCredentials> credentials,
      FailoverHttpClient http,
      boolean push)
      throws IOException, RegistryException {
    RegistryClient client =
        RegistryClient.factory(events, image.getRegistry(), image.getRepository(), http)
            .setCredential(
                credentials.map(c -> Credential.from(c.username(), c.password())).orElse(null))
            .setUserAgent(TOOL_NAME)
            .newRegistryClient();
    boolean bearer = push ? client.doPushBearerAuth() : client.doPullBearerAuth();
    if (!bearer && credentials.isPresent()) {
      client.configureBasicAuth();
    }
    return client;
  }

  private static RegistryImage registryImage(
      ImageReference reference, Optional<RegistryCredentials> credentials) {
    RegistryImage image = RegistryImage.named(reference);
    credentials.ifPresent(c -> image.addCredential(c.username(), c.password()));
    return image;
  }

  private JibContainer await(
      CompletableFuture<JibContainer> outcome, LayersBuildRequest request, ImageReference target)
      throws BuildFailure {
    try {
      return outcome.get(request.timeout().toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      // jib has no timeout of its own; the finally block of build() interrupts its threads.
      throw new BuildFailure(
          BUILD_TIMEOUT,
          "Building " + request.target() + " took longer than the timeout of "
              + human(request.timeout()) + " and was cancelled; raise spec.build.timeout if the"
              + " base image is large or the registry slow");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BuildFailure(
          BUILD_FAILED, "Building " + request.target() + " was interrupted (operator stopping?)", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      if (cause instanceof BuildFailure failure) {
        throw failure;
      }
      throw translate(cause, request, target);
    }
  }

  /** Maps jib's failure (often wrapped) to one of our reasons. */
  static BuildFailure translate(
      Throwable e, LayersBuildRequest request, ImageReference target) {
    String what = "Building " + request.target();
    String baseName = request.base().orElse("scratch");
    String targetRegistry = target.getRegistry();
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof RegistryCredentialsNotSentException) {
        // "Required credentials for <registry>/<repository> were not sent because ... HTTP":
        // only when sendCredentialsOverHttp is unset, which build() avoids for insecure builds.
        Matcher m = NOT_SENT.matcher(clean(t));
        return unauthorized(what, request, target, m.find() ? m.group(1) : "", clean(t), e);
      }
      if (t instanceof RegistryUnauthorizedException u) {
        return unauthorized(what, request, target, u.getImageReference(), clean(t), e);
      }
      if (t instanceof RegistryAuthenticationFailedException a) {
        return unauthorized(
            what, request, target, a.getServerUrl() + "/" + a.getImageName(), clean(t), e);
      }
      int status = t instanceof ResponseException r ? r.getStatusCode() : -1;
      if (status == 401 || status == 403) {
        return unauthorized(what, request, target, "", clean(e), e);
      }
      if (status == 404) {
        if (request.base().isPresent()) {
          return new BuildFailure(
              BASE_IMAGE_NOT_FOUND,
              "Base image " + baseName + " was not found: check the image reference (and that"
                  + " the base environment was pushed); " + clean(e),
              e);
        }
        return new BuildFailure(BUILD_FAILED, what + " failed: " + clean(e), e);
      }
      if (status == 400 || status == 405) {
        return new BuildFailure(
            BUILD_FAILED,
            what + " failed: the registry rejected a reference (" + clean(e) + ")",
            e);
      }
      if (status >= 500 || status == 429) {
        return new BuildFailure(
            REGISTRY_UNAVAILABLE, what + " failed: registry answered HTTP " + status
                + " (" + clean(e) + ")", e);
      }
      if (t instanceof InsecureRegistryException || t instanceof SSLException) {
        return new BuildFailure(
            REGISTRY_UNAVAILABLE,
            what + " failed: TLS to a registry failed (" + clean(t) + "); if the registry speaks"
                + " plain HTTP or has a self-signed certificate, set spec.image.insecure: true",
            e);
      }
      if (t instanceof ConnectException
          || t instanceof UnknownHostException
          || t instanceof NoRouteToHostException
          || t instanceof SocketTimeoutException
          || t instanceof java.net.SocketException // connection reset, broken pipe
          // Apache HttpClient (jib's transport, not on our compile class path)
          || t.getClass().getName().equals("org.apache.http.NoHttpResponseException")) {
        String registry = registryOf(t, targetRegistry, request);
        return new BuildFailure(
            REGISTRY_UNAVAILABLE,
            what + " failed: registry " + registry + " is unavailable ("
                + t.getClass().getSimpleName() + ": " + clean(t) + ")",
            e);
      }
      if (t instanceof CacheDirectoryCreationException || t instanceof FileSystemException) {
        return new BuildFailure(
            BUILD_FAILED, what + " failed: jib's cache directory is not usable (" + clean(t)
                + "); check builds.jib.cacheDir and its volume", e);
      }
    }
    return new BuildFailure(BUILD_FAILED, what + " failed: " + clean(e), e);
  }

  private static BuildFailure unauthorized(
      String what,
      LayersBuildRequest request,
      ImageReference target,
      String imageReference,
      String detail,
      Throwable e) {
    String targetRepo = target.getRegistry() + "/" + target.getRepository();
    boolean aboutBase =
        request.base().isPresent()
            && !imageReference.isEmpty()
            && !imageReference.equals(targetRepo)
            && !imageReference.startsWith(targetRepo + ":");
    if (aboutBase) {
      // Registries answer 401 for a repository that does not exist as well as for a refused pull.
      return new BuildFailure(
          BASE_IMAGE_NOT_FOUND,
          "Base image " + request.base().get() + " was not found or its registry refused the pull:"
              + " check the reference and the pull secret (" + detail + ")",
          e);
    }
    return new BuildFailure(
        PUSH_UNAUTHORIZED,
        what + " failed: registry " + target.getRegistry() + " refused to let us push "
            + targetRepo
            + (request.targetCredentials().isEmpty()
                ? ": it needs credentials, set image.pushSecretRef"
                : ": check image.pushSecretRef (user name, password, push rights)")
            + " (" + detail + ")",
        e);
  }

  private static String registryOf(
      Throwable t, String targetRegistry, LayersBuildRequest request) {
    String message = String.valueOf(t.getMessage());
    Matcher m = URL_HOST.matcher(message);
    if (m.find()) {
      return m.group(1);
    }
    if (message.contains(targetRegistry)) {
      return targetRegistry;
    }
    return request.base().isPresent() ? targetRegistry + " (or the base image's)" : targetRegistry;
  }

  private void onLog(LogEvent event, AtomicInteger skipped, CompletableFuture<JibContainer> outcome) {
    String message = ANSI.matcher(event.getMessage()).replaceAll("");
    log.accept(event.getLevel() + " " + message);
    if (message.startsWith("Skipping push; BLOB already exists")) {
      skipped.incrementAndGet();
    }
    // jib retries failed requests with exponential back-off for up to 15 minutes (google-http-
    // client's default): a registry that went away would hold a build slot until the timeout.
    // Like ImageResolver, we fail fast instead; the reconciler retries the build with back-off.
    if (event.getLevel() == LogEvent.Level.WARN && message.endsWith(RETRY_WARNING)) {
      String request = message.substring(0, message.length() - RETRY_WARNING.length());
      Matcher host = URL_HOST.matcher(request);
      outcome.completeExceptionally(
          new BuildFailure(
              REGISTRY_UNAVAILABLE,
              "Registry " + (host.find() ? host.group(1) : "") + " stopped answering during the"
                  + " build (" + request.replaceAll("\\?.*", "") + " failed); the build is retried"
                  + " later"));
    }
  }

  private static void onTimer(TimerEvent event, Set<String> uploaded) {
    // RegistryClient.pushBlob laps "pushBlob PATCH <digest>" only when the registry asked for
    // the content: not when a HEAD found the blob, nor when a cross-repository mount worked.
    if (event.getState() == TimerEvent.State.LAP
        && event.getDescription().startsWith(PUSH_BLOB_UPLOAD)) {
      String digest = event.getDescription().substring(PUSH_BLOB_UPLOAD.length()).trim();
      uploaded.add(digest);
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
    throw new BuildFailure(
        BUILD_FAILED, "\"" + reference + "\" is not a valid " + role + " image reference");
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
   * build, with or without credentials, so that a registry wanting credentials we do not have
   * fails with jib's plain "Unauthorized for registry/repository" instead of a misleading "not
   * sent over HTTP". Setting the property does not weaken builds with {@code insecure: false}:
   * their HTTP client never falls back to plain HTTP (it refuses http:// URLs outright). We never
   * clear it again, since concurrent insecure builds rely on it.
   */
  private static synchronized void allowCredentialsOverHttp() {
    if (!Boolean.getBoolean("sendCredentialsOverHttp")) {
      System.setProperty("sendCredentialsOverHttp", "true");
    }
  }

  private Path stagingDirectory() throws IOException {
    Path parent = applicationLayersCache.resolve(STAGING_DIR);
    Files.createDirectories(parent);
    return Files.createTempDirectory(parent, "build-");
  }

  private static ThreadFactory threads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return runnable -> {
      Thread t = new Thread(runnable, prefix + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  private static String clean(Throwable t) {
    String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    return ANSI.matcher(message).replaceAll("").strip();
  }

  private static String human(Duration d) {
    return d.toMillis() < 1000 ? d.toMillis() + "ms" : d.toString().substring(2).toLowerCase(Locale.ROOT);
  }

  private static void deleteQuietly(Path dir) {
    if (dir == null) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a leftover staging directory is removed with the cache
    }
  }
}
