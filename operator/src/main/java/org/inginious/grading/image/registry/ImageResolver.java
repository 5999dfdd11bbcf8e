package org.inginious.grading.image.registry;

import static org.inginious.grading.image.registry.RegistryException.Reason.IMAGE_NOT_FOUND;
import static org.inginious.grading.image.registry.RegistryException.Reason.INVALID_REFERENCE;
import static org.inginious.grading.image.registry.RegistryException.Reason.REGISTRY_UNAVAILABLE;
import static org.inginious.grading.image.registry.RegistryException.Reason.UNAUTHORIZED;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.DescriptorDigest;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.api.RegistryAuthenticationFailedException;
import com.google.cloud.tools.jib.api.RegistryUnauthorizedException;
import com.google.cloud.tools.jib.event.EventHandlers;
import com.google.cloud.tools.jib.http.FailoverHttpClient;
import com.google.cloud.tools.jib.http.ResponseException;
import com.google.cloud.tools.jib.image.json.BuildableManifestTemplate;
import com.google.cloud.tools.jib.image.json.ManifestListTemplate;
import com.google.cloud.tools.jib.image.json.ManifestTemplate;
import com.google.cloud.tools.jib.registry.ManifestAndDigest;
import com.google.cloud.tools.jib.registry.RegistryClient;
import com.google.cloud.tools.jib.registry.RegistryCredentialsNotSentException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;

/**
 * Resolves an image reference (tag or digest) to the digest a pod pulls and the image's labels,
 * with jib-core's registry client (which does the bearer/basic auth dance itself).
 *
 * <p>Thread-safe: every call uses its own HTTP client. Connect and read timeouts are jib's {@code
 * jib.httpTimeout} system property (milliseconds, jib's default 20000); jib offers no per-client
 * setting.
 */
public final class ImageResolver {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String DOCKER_HUB_API = "registry-1.docker.io";

  private final Consumer<String> debug;
  private final EventHandlers eventHandlers;

  public ImageResolver() {
    this(line -> {});
  }

  /**
   * @param debug receives jib's log lines (no credentials: jib never logs them)
   */
  public ImageResolver(Consumer<String> debug) {
    this.debug = debug;
    this.eventHandlers = EventHandlers.builder().add(LogEvent.class, this::log).build();
  }

  public ResolvedImage resolve(
      String imageReference, Optional<RegistryCredentials> credentials, boolean insecure)
      throws RegistryException {
    ImageReference ref = parse(imageReference);
    String registry = ref.getRegistry();
    // Pods and messages read better with docker.io than with Docker Hub's API host.
    String repository =
        (DOCKER_HUB_API.equals(registry) ? "docker.io" : registry) + "/" + ref.getRepository();
    String image = repository + (ref.getDigest().isPresent() ? "@" : ":") + ref.getQualifier();

    FailoverHttpClient http = httpClient(insecure);
    try {
      RegistryClient client =
          RegistryClient.factory(eventHandlers, registry, ref.getRepository(), http)
              .setCredential(
                  credentials.map(c -> Credential.from(c.username(), c.password())).orElse(null))
              .newRegistryClient();
      // GET /v2/ tells how to authenticate: jib fetches a bearer token itself (anonymous without
      // credentials); if the registry wants basic auth, we send the credentials as such.
      if (!client.doPullBearerAuth() && credentials.isPresent()) {
        client.configureBasicAuth();
      }

      ManifestAndDigest<ManifestTemplate> pulled = client.pullManifest(ref.getQualifier());
      ManifestTemplate manifest = pulled.getManifest();
      if (manifest instanceof ManifestListTemplate index) {
        // Pods pull the index (the node picks its platform); labels come from linux/amd64.
        List<String> amd64 = index.getDigestsForPlatform("amd64", "linux");
        if (amd64.isEmpty()) {
          throw new RegistryException(
              IMAGE_NOT_FOUND, "Image " + image + " has no linux/amd64 entry in its index");
        }
        manifest = client.pullManifest(amd64.get(0)).getManifest();
      }
      if (!(manifest instanceof BuildableManifestTemplate buildable)
          || buildable.getContainerConfiguration() == null) {
        throw new RegistryException(
            IMAGE_NOT_FOUND,
            "Image "
                + image
                + " has an unsupported manifest format (Docker schema 1?); push it again with"
                + " a current client");
      }
      Map<String, String> labels =
          readLabels(client, buildable.getContainerConfiguration().getDigest());
      return new ResolvedImage(repository, pulled.getDigest().toString(), labels);
    } catch (IOException | com.google.cloud.tools.jib.api.RegistryException e) {
      throw translate(e, image, registry);
    } finally {
      try {
        http.shutDown();
      } catch (IOException e) {
        debug.accept("closing HTTP connections failed: " + e);
      }
    }
  }

  /**
   * jib retries each failed HTTPS request ten times with exponential back-off: about a minute
   * before a down or plain-HTTP registry is reported. The reconciler retries on its own schedule,
   * so we turn that off through jib's package-private constructor (there is no public switch),
   * keeping jib's behaviour if that constructor ever disappears.
   */
  private FailoverHttpClient httpClient(boolean insecure) {
    // insecure: try HTTPS without verification, then plain HTTP. Credentials go over plain HTTP
    // only then: whoever marks a registry insecure has accepted that.
    Consumer<LogEvent> logger = this::log;
    try {
      Constructor<FailoverHttpClient> withoutRetry =
          FailoverHttpClient.class.getDeclaredConstructor(
              boolean.class, boolean.class, Consumer.class, boolean.class);
      withoutRetry.setAccessible(true);
      return withoutRetry.newInstance(insecure, insecure, logger, false);
    } catch (ReflectiveOperationException | RuntimeException e) {
      debug.accept("jib's FailoverHttpClient without retries is not available: " + e);
      return new FailoverHttpClient(insecure, insecure, logger);
    }
  }

  private static ImageReference parse(String imageReference) throws RegistryException {
    try {
      ImageReference ref =
          ImageReference.parse(imageReference == null ? "" : imageReference.trim());
      // jib accepts upper-case repositories; registries and container runtimes do not.
      if (!ref.isScratch()
          && ref.getRepository().equals(ref.getRepository().toLowerCase(Locale.ROOT))) {
        return ref;
      }
    } catch (InvalidImageReferenceException e) {
      // reported below
    }
    throw new RegistryException(
        INVALID_REFERENCE, "\"" + imageReference + "\" is not a valid image reference");
  }

  private static Map<String, String> readLabels(RegistryClient client, DescriptorDigest config)
      throws IOException {
    ByteArrayOutputStream json = new ByteArrayOutputStream();
    client.pullBlob(config, size -> {}, written -> {}).writeTo(json); // checks the digest too
    JsonNode labels = MAPPER.readTree(json.toByteArray()).path("config").path("Labels");
    Map<String, String> result = new LinkedHashMap<>();
    labels
        .fields()
        .forEachRemaining(
            e -> {
              if (e.getValue().isValueNode() && !e.getValue().isNull()) {
                result.put(e.getKey(), e.getValue().asText());
              }
            });
    return result;
  }

  /** Maps jib's failure (often wrapped, e.g. in blob pulls) to one of our reasons. */
  private static RegistryException translate(Exception e, String image, String registry) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof RegistryUnauthorizedException
          || t instanceof RegistryAuthenticationFailedException
          || t instanceof RegistryCredentialsNotSentException) {
        return unauthorized(image, registry, e);
      }
      int status = t instanceof ResponseException r ? r.getStatusCode() : -1;
      if (status == 401 || status == 403) {
        return unauthorized(image, registry, e);
      }
      if (status == 404) {
        return new RegistryException(
            IMAGE_NOT_FOUND, "Image " + image + " was not found in registry " + registry, e);
      }
      if (status == 400 || status == 405) {
        return new RegistryException(
            INVALID_REFERENCE, "Registry " + registry + " rejected the reference " + image, e);
      }
      if (status >= 0) {
        return unavailable(image, registry, "HTTP " + status, e);
      }
      if (t instanceof SSLException) {
        return unavailable(
            image,
            registry,
            "TLS failed: "
                + t.getMessage()
                + "; if the registry speaks plain HTTP, mark it insecure",
            e);
      }
      if (t.getCause() == null || t.getCause() == t) {
        return unavailable(
            image, registry, t.getClass().getSimpleName() + ": " + t.getMessage(), e);
      }
    }
    return unavailable(image, registry, e.toString(), e);
  }

  private static RegistryException unauthorized(String image, String registry, Exception e) {
    return new RegistryException(
        UNAUTHORIZED,
        "Registry " + registry + " refused access to " + image + ": check the pull secret",
        e);
  }

  private static RegistryException unavailable(
      String image, String registry, String detail, Exception e) {
    return new RegistryException(
        REGISTRY_UNAVAILABLE,
        "Registry " + registry + " is unavailable while resolving " + image + " (" + detail + ")",
        e);
  }

  private void log(LogEvent event) {
    // jib colours its error lines with ANSI escapes
    debug.accept(event.getLevel() + " " + event.getMessage().replaceAll("\u001B\\[[0-9;]*m", ""));
  }
}
