using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Rapidbyte.Api.Authentication;
using Rapidbyte.Api.Endpoints;
using Rapidbyte.Api.Problems;
using Rapidbyte.Api.StatusPage;
using Rapidbyte.Client;
using Rapidbyte.Grains.Api;
using Rapidbyte.Grains.Composition;

namespace Rapidbyte.Api;

/// <summary>Hosts the HTTP API in a silo's web host: <see cref="AddRapidbyteApi"/> composes it, <see cref="UseRapidbyteApi"/> serves it.</summary>
public static class ApiHostingExtensions
{
    /// <summary>
    /// Adds the API's services: settings (<c>Rapidbyte:Api</c>, checked at start), bearer-token
    /// or development authentication, role policies, per-caller rate limits, problem details,
    /// the OpenAPI document, the body limit.
    /// </summary>
    public static WebApplicationBuilder AddRapidbyteApi(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var section = builder.Configuration.GetSection($"{RapidbyteOptions.Section}:{ApiOptions.Section}");
        // Checked with the silo's own settings at start: every problem of both at once.
        var validator = new ApiOptionsValidator(builder.Configuration);
        services.AddSingleton(new SettingsSection(ApiOptions.Section, typeof(ApiOptions), api => validator.Problems(api.Get<ApiOptions>() ?? new ApiOptions())));
        services.AddOptions<ApiOptions>().Bind(section);
        services.AddSingleton<IValidateOptions<ApiOptions>>(validator);

        // The scheme is chosen while composing; its settings are bound and checked like every other.
        var mode = section.GetSection("Authentication").GetValue("Mode", ApiAuthenticationMode.Jwt);
        if (mode == ApiAuthenticationMode.Development)
        {
            services.AddAuthentication(DevelopmentAuthentication.SchemeName)
                .AddScheme<AuthenticationSchemeOptions, DevelopmentAuthentication>(DevelopmentAuthentication.SchemeName, null);
        }
        else
        {
            services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
            services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).Configure<IOptions<ApiOptions>>((jwt, api) =>
            {
                var settings = api.Value.Authentication;
                jwt.Authority = settings.Authority;
                jwt.Audience = settings.Audience;
                jwt.RequireHttpsMetadata = settings.Authority is { } authority && new Uri(authority).Scheme == Uri.UriSchemeHttps;
                jwt.MapInboundClaims = false;
                jwt.TokenValidationParameters.RoleClaimType = settings.RoleClaim;
                jwt.TokenValidationParameters.NameClaimType = "name";
                jwt.TokenValidationParameters.ClockSkew = TimeSpan.FromSeconds(30);
            });
        }
        // Data protection, which authentication registers and nothing of the API uses: its keys
        // stay in memory, unencrypted on purpose (see InMemoryKeyRepository).
        services.Configure<KeyManagementOptions>(keys =>
        {
            keys.XmlRepository = new InMemoryKeyRepository();
            keys.XmlEncryptor = new NullXmlEncryptor();
        });
        services.AddAuthorization();
        services.AddOptions<AuthorizationOptions>().Configure<IOptions<ApiOptions>>((authorization, api) =>
        {
            var roles = api.Value.Authentication;
            authorization.AddPolicy(ApiRoles.Reader, p => p.RequireRole(roles.ReaderRole, roles.OperatorRole, roles.AdminRole));
            authorization.AddPolicy(ApiRoles.Operator, p => p.RequireRole(roles.OperatorRole, roles.AdminRole));
            authorization.AddPolicy(ApiRoles.Admin, p => p.RequireRole(roles.AdminRole));
            // Nothing is served to an anonymous caller unless it says so (the health endpoints).
            authorization.FallbackPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build();
        });

        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<ApiOptions>>((limiter, api) =>
        {
            var limits = api.Value.RateLimit;
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
                http.Request.Path.StartsWithSegments("/health")
                    ? RateLimitPartition.GetNoLimiter("health")
                    : RateLimitPartition.GetTokenBucketLimiter(Caller(http), _ => new TokenBucketRateLimiterOptions
                    {
                        TokenLimit = limits.Burst,
                        TokensPerPeriod = limits.RequestsPerSecond,
                        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                        QueueLimit = 0,
                        AutoReplenishment = true,
                    }));
            limiter.OnRejected = (context, _) =>
            {
                if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
                {
                    context.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                }
                return ValueTask.CompletedTask; // the status code pages write the problem body
            };
        });

        services.AddSingleton<ClusterRapidbyteClient>();
        services.AddProblemDetails();
        services.AddExceptionHandler<ApiExceptionHandler>();
        services.Configure<JsonOptions>(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = ApiJson.Options.PropertyNamingPolicy;
            json.SerializerOptions.Encoder = ApiJson.Options.Encoder;
            foreach (var converter in ApiJson.Options.Converters)
            {
                json.SerializerOptions.Converters.Add(converter);
            }
        });
        services.AddOpenApi("v1");
        return builder;
    }

    /// <summary>Serves the API under <c>/v1</c>, its OpenAPI document at <c>/openapi/v1.json</c> and the status page at <c>/status</c>.</summary>
    public static WebApplication UseRapidbyteApi(this WebApplication app)
    {
        // Settings are read once the host has started, after their checks ran (a bad one stops
        // the start with every problem named, not a stack trace while composing).
        var api = new Lazy<ApiOptions>(() => app.Services.GetRequiredService<IOptions<ApiOptions>>().Value);
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            if (api.Value.Authentication.Mode == ApiAuthenticationMode.Development)
            {
                app.Logger.LogWarning(
                    "API authentication is off ({Setting} Development): every caller on loopback is admin, and the API listens on loopback only",
                    $"{RapidbyteOptions.Section}:{ApiOptions.Section}:Authentication:Mode");
            }
        });
        // The largest body taken; a larger one fails its read with 413.
        app.Use((http, next) =>
        {
            if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                limit.MaxRequestBodySize = api.Value.MaxRequestBytes;
            }
            return next(http);
        });
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();

        var v1 = app.MapGroup("/v1").RequireAuthorization(ApiRoles.Reader);
        var pipelines = v1.MapGroup("/pipelines").WithTags("pipelines");
        PipelineEndpoints.Map(pipelines);
        RunEndpoints.Map(pipelines);
        RunEndpoints.MapDefinitionRuns(v1);
        app.MapOpenApi("/openapi/{documentName}.json").RequireAuthorization(ApiRoles.Reader);
        StatusPageEndpoints.Map(app);
        return app;
    }

    // Whom a rate limit counts against: the token's subject, else the caller's address.
    private static string Caller(HttpContext http) =>
        http.User.FindFirstValue("sub") ?? http.User.FindFirstValue("oid") ?? http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
}
