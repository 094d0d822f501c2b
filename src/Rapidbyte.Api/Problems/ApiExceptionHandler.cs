using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Rapidbyte.Grains;

namespace Rapidbyte.Api.Problems;

/// <summary>
/// Answers what a caller can act on with its status and a problem-details body in the
/// service's own words: a pipeline that is not registered (404), a run going (409, its
/// <c>run_id</c>), a pipeline refused (400, its <c>errors</c> as file:line:column), a body too
/// large (413). Anything else is left to the default: 500 with no detail (it is logged).
/// </summary>
internal sealed class ApiExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        var problem = exception switch
        {
            PipelineNotFoundException e => Problem(StatusCodes.Status404NotFound, "pipeline not found", e.Message),
            KeyNotFoundException e => Problem(StatusCodes.Status404NotFound, "not found", e.Message),
            PipelineBusyException e => Problem(StatusCodes.Status409Conflict, "a run of this pipeline is going", e.Message, ("run_id", e.RunId)),
            PipelineRejectedException e => Problem(StatusCodes.Status400BadRequest, "the pipeline was refused", e.Message, ("errors", e.Problems)),
            ArgumentException e => Problem(StatusCodes.Status400BadRequest, "bad request", e.Message),
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } e => Problem(e.StatusCode, "request body too large", e.Message),
            BadHttpRequestException e => Problem(e.StatusCode, "bad request", e.Message),
            SiloUnavailableException or OrleansMessageRejectionException or TimeoutException =>
                Problem(StatusCodes.Status503ServiceUnavailable, "the cluster is taking up a lost silo's work", "try again in a few seconds"),
            _ => null,
        };
        if (problem is null)
        {
            return false;
        }
        http.Response.StatusCode = problem.Status!.Value;
        if (problem.Status == StatusCodes.Status503ServiceUnavailable)
        {
            http.Response.Headers.RetryAfter = "2";
        }
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem, Exception = exception });
    }

    private static ProblemDetails Problem(int status, string title, string detail, params (string Key, object? Value)[] extensions)
    {
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail };
        foreach (var (key, value) in extensions)
        {
            problem.Extensions[key] = value;
        }
        return problem;
    }
}
