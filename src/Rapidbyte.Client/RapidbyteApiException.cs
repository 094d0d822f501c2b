using System.Net;

namespace Rapidbyte.Client;

/// <summary>The API answered with an error; <see cref="Problem"/> says which. Subclasses name the ones a caller handles.</summary>
public class RapidbyteApiException : Exception
{
    /// <summary>Creates the exception for <paramref name="problem"/>.</summary>
    public RapidbyteApiException(RapidbyteProblem problem)
        : base(Describe(problem))
    {
        Problem = problem;
    }

    /// <summary>The API's answer.</summary>
    public RapidbyteProblem Problem { get; }

    /// <summary>The HTTP status.</summary>
    public HttpStatusCode StatusCode => (HttpStatusCode)Problem.Status;

    internal static RapidbyteApiException For(RapidbyteProblem problem) => problem.Status switch
    {
        400 => new RapidbyteBadRequestException(problem),
        401 or 403 => new RapidbyteUnauthorizedException(problem),
        404 => new RapidbyteNotFoundException(problem),
        409 => new RapidbyteConflictException(problem),
        _ => new RapidbyteApiException(problem),
    };

    private static string Describe(RapidbyteProblem problem) =>
        problem.Errors is { Count: > 0 } errors ? $"{problem}{Environment.NewLine}{string.Join(Environment.NewLine, errors)}" : problem.ToString();
}

/// <summary>400: the request or the pipeline in it was refused; <see cref="Errors"/> lists why (file:line:column for YAML).</summary>
public sealed class RapidbyteBadRequestException(RapidbyteProblem problem) : RapidbyteApiException(problem)
{
    /// <summary>Each problem; empty when the detail says it all.</summary>
    public IReadOnlyList<string> Errors => Problem.Errors ?? [];
}

/// <summary>401 (no valid token) or 403 (a role that may not do this).</summary>
public sealed class RapidbyteUnauthorizedException(RapidbyteProblem problem) : RapidbyteApiException(problem);

/// <summary>404: no such pipeline, or no such run of it.</summary>
public sealed class RapidbyteNotFoundException(RapidbyteProblem problem) : RapidbyteApiException(problem);

/// <summary>409: a run of the pipeline is going; <see cref="RunId"/> names it.</summary>
public sealed class RapidbyteConflictException(RapidbyteProblem problem) : RapidbyteApiException(problem)
{
    /// <summary>The run that is going.</summary>
    public string? RunId => Problem.RunId;
}
