package org.inginious.grading.image.layers;

import static org.inginious.grading.image.layers.BuildFailure.Reason.BASE_IMAGE_NOT_FOUND;
import static org.inginious.grading.image.layers.BuildFailure.Reason.BUILD_FAILED;
import static org.inginious.grading.image.layers.BuildFailure.Reason.BUILD_TIMEOUT;
import static org.inginious.grading.image.layers.BuildFailure.Reason.PUSH_UNAUTHORIZED;
import static org.inginious.grading.image.layers.BuildFailure.Reason.REGISTRY_UNAVAILABLE;

import com.google.cloud.tools.jib.api.CacheDirectoryCreationException;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.InsecureRegistryException;
import com.google.cloud.tools.jib.api.RegistryAuthenticationFailedException;
import com.google.cloud.tools.jib.api.RegistryUnauthorizedException;
import com.google.cloud.tools.jib.http.ResponseException;
import com.google.cloud.tools.jib.registry.RegistryCredentialsNotSentException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.FileSystemException;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;

/**
 * What went wrong in a {@code layers} build, as a {@link BuildFailure}: a reason for the Built
 * condition and a message that says what to fix, names images and registries and never credentials.
 * jib wraps its failures (in ExecutionExceptions, its RegistryException, the HTTP client's
 * ResponseException), so {@link #translate} walks the cause chain to the first that tells.
 */
final class JibErrors {
  private static final Pattern URL_HOST = Pattern.compile("https?://([^/\\s]+)");
  private static final Pattern NOT_SENT = Pattern.compile("credentials for (\\S+) were not sent");
  private static final Pattern ANSI = Pattern.compile("\u001B\\[[0-9;]*m");

  private JibErrors() {}

  /** Maps jib's failure (often wrapped) to one of our reasons. */
  static BuildFailure translate(Throwable e, LayersBuildRequest request, ImageReference target) {
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
              "Base image "
                  + baseName
                  + " was not found: check the image reference (and that"
                  + " the base environment was pushed); "
                  + clean(e),
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
            REGISTRY_UNAVAILABLE,
            what + " failed: registry answered HTTP " + status + " (" + clean(e) + ")",
            e);
      }
      if (t instanceof InsecureRegistryException || t instanceof SSLException) {
        return new BuildFailure(
            REGISTRY_UNAVAILABLE,
            what
                + " failed: TLS to a registry failed ("
                + clean(t)
                + "); if the registry speaks"
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
            what
                + " failed: registry "
                + registry
                + " is unavailable ("
                + t.getClass().getSimpleName()
                + ": "
                + clean(t)
                + ")",
            e);
      }
      if (t instanceof CacheDirectoryCreationException || t instanceof FileSystemException) {
        return new BuildFailure(
            BUILD_FAILED,
            what
                + " failed: jib's cache directory is not usable ("
                + clean(t)
                + "); check builds.jib.cacheDir and its volume",
            e);
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
          "Base image "
              + request.base().get()
              + " was not found or its registry refused the pull:"
              + " check the reference and the pull secret ("
              + detail
              + ")",
          e);
    }
    return new BuildFailure(
        PUSH_UNAUTHORIZED,
        what
            + " failed: registry "
            + target.getRegistry()
            + " refused to let us push "
            + targetRepo
            + (request.targetCredentials().isEmpty()
                ? ": it needs credentials, set image.pushSecretRef"
                : ": check image.pushSecretRef (user name, password, push rights)")
            + " ("
            + detail
            + ")",
        e);
  }

  private static String registryOf(Throwable t, String targetRegistry, LayersBuildRequest request) {
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

  /** The build ran past the request's timeout (jib has no timeout of its own). */
  static BuildFailure timedOut(LayersBuildRequest request) {
    return new BuildFailure(
        BUILD_TIMEOUT,
        "Building "
            + request.target()
            + " took longer than the timeout of "
            + human(request.timeout())
            + " and was cancelled; raise spec.build.timeout if the"
            + " base image is large or the registry slow");
  }

  static BuildFailure interrupted(LayersBuildRequest request, InterruptedException e) {
    return new BuildFailure(
        BUILD_FAILED, "Building " + request.target() + " was interrupted (operator stopping?)", e);
  }

  /** Writing the request's files for jib failed. */
  static BuildFailure cannotPrepare(LayersBuildRequest request, IOException e) {
    return new BuildFailure(
        BUILD_FAILED, "Cannot prepare the build of " + request.target() + ": " + clean(e), e);
  }

  /** jib's own validation, e.g. a relative working directory. */
  static BuildFailure invalid(LayersBuildRequest request, IllegalArgumentException e) {
    return new BuildFailure(
        BUILD_FAILED, "Invalid build of " + request.target() + ": " + clean(e), e);
  }

  static BuildFailure invalidReference(String reference, String role) {
    return new BuildFailure(
        BUILD_FAILED, "\"" + reference + "\" is not a valid " + role + " image reference");
  }

  /**
   * jib warned that a request "failed and will be retried": the registry stopped answering.
   *
   * @param request the failed request as jib's warning names it, e.g. {@code PATCH https://...}
   */
  static BuildFailure stoppedAnswering(String request) {
    Matcher host = URL_HOST.matcher(request);
    return new BuildFailure(
        REGISTRY_UNAVAILABLE,
        "Registry "
            + (host.find() ? host.group(1) : "")
            + " stopped answering during the"
            + " build ("
            + request.replaceAll("\\?.*", "")
            + " failed); the build is retried"
            + " later");
  }

  /** jib colours its error lines with ANSI escapes. */
  static String withoutColours(String message) {
    return ANSI.matcher(message).replaceAll("");
  }

  static String clean(Throwable t) {
    String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    return withoutColours(message).strip();
  }

  private static String human(Duration d) {
    return d.toMillis() < 1000
        ? d.toMillis() + "ms"
        : d.toString().substring(2).toLowerCase(Locale.ROOT);
  }
}
