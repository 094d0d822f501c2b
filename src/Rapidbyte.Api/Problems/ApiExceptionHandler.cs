using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Rapidbyte.Client;

namespace Rapidbyte.Api.Problems;

/// <summary>
/// Answers what a caller can act on with its status and a problem-details body in the
/// service's own words (the cluster's refusals, as <see cref="ClusterRapidbyteClient.ProblemOf"/>
/// words them: 404, 409 with the run going, 400 with file:line:column; a body too large: 413).
/// Anything else is left to the default: 500 with no detail (it is logged).
/// </summary>
internal sealed class ApiExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        var problem = exception switch
        {
            RapidbyteApiException e => e.Problem,
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } e => new RapidbyteProblem(e.StatusCode, "request body too large", e.Message),
            BadHttpRequestException e => new RapidbyteProblem(e.StatusCode, "bad request", e.Message),
            _ => ClusterRapidbyteClient.ProblemOf(exception),
        };
        if (problem is null)
        {
            return false;
        }
        http.Response.StatusCode = problem.Status;
        if (problem.Status == StatusCodes.Status503ServiceUnavailable)
        {
            http.Response.Headers.RetryAfter = "2";
        }
        var details = new ProblemDetails { Status = problem.Status, Title = problem.Title, Detail = problem.Detail };
        if (problem.Errors is { } errors)
        {
            details.Extensions["errors"] = errors;
        }
        if (problem.RunId is { } runId)
        {
            details.Extensions["run_id"] = runId;
        }
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = details, Exception = exception });
    }
}
