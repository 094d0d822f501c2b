using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace Rapidbyte.Api.Authentication;

/// <summary>
/// Where ASP.NET Core's data protection keeps its keys for this API: in memory, for the life
/// of the process. Authentication registers data protection, and its hosted service makes a key
/// at start, but nothing of the API protects data with it (bearer tokens and the development
/// scheme set no cookies); by default that key would be written, unencrypted and with two
/// warnings, to a file under the user's home at every first start (each start of a container).
/// </summary>
internal sealed class InMemoryKeyRepository : IXmlRepository
{
    private readonly List<XElement> _elements = [];

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        lock (_elements)
        {
            return [.. _elements.Select(e => new XElement(e))];
        }
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        lock (_elements)
        {
            _elements.Add(new XElement(element));
        }
    }
}
