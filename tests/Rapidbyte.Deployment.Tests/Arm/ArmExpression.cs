using System.Globalization;
using System.Text;

namespace Rapidbyte.Deployment.Tests.Arm;

/// <summary>
/// The syntax tree of an ARM template language expression (the text between <c>[</c> and
/// <c>]</c>): function calls, literals, property access and indexing.
/// </summary>
public abstract record ArmExpression
{
    public sealed record Literal(object Value) : ArmExpression;

    public sealed record Call(string Function, IReadOnlyList<ArmExpression> Arguments) : ArmExpression;

    public sealed record Property(ArmExpression Target, string Name) : ArmExpression;

    public sealed record Index(ArmExpression Target, ArmExpression Key) : ArmExpression;

    /// <summary>Parses an expression without its enclosing brackets.</summary>
    public static ArmExpression Parse(string text)
    {
        var parser = new Parser(text);
        var expression = parser.Expression();
        parser.SkipSpace();
        return parser.AtEnd ? expression : throw parser.Error("unexpected text after the expression");
    }

    private sealed class Parser(string text)
    {
        private int _position;

        public bool AtEnd => _position >= text.Length;

        public ArmExpression Expression()
        {
            var expression = Primary();
            while (true)
            {
                SkipSpace();
                if (Take('.'))
                {
                    expression = new Property(expression, Identifier());
                }
                else if (Take('['))
                {
                    var key = Expression();
                    Expect(']');
                    expression = new Index(expression, key);
                }
                else
                {
                    return expression;
                }
            }
        }

        private ArmExpression Primary()
        {
            SkipSpace();
            if (AtEnd)
            {
                throw Error("expression expected");
            }
            var c = text[_position];
            if (c == '\'')
            {
                return new Literal(StringLiteral());
            }
            if (char.IsDigit(c) || c == '-')
            {
                var start = _position++;
                while (!AtEnd && char.IsDigit(text[_position]))
                {
                    _position++;
                }
                return new Literal(long.Parse(text[start.._position], CultureInfo.InvariantCulture));
            }
            var name = Identifier();
            Expect('(');
            var arguments = new List<ArmExpression>();
            SkipSpace();
            if (!Take(')'))
            {
                do
                {
                    arguments.Add(Expression());
                    SkipSpace();
                }
                while (Take(','));
                Expect(')');
            }
            return new Call(name, arguments);
        }

        private string StringLiteral()
        {
            var value = new StringBuilder();
            _position++;
            while (true)
            {
                if (AtEnd)
                {
                    throw Error("unterminated string");
                }
                var c = text[_position++];
                if (c == '\'')
                {
                    if (!AtEnd && text[_position] == '\'')
                    {
                        value.Append('\'');
                        _position++;
                        continue;
                    }
                    return value.ToString();
                }
                value.Append(c);
            }
        }

        private string Identifier()
        {
            SkipSpace();
            var start = _position;
            while (!AtEnd && (char.IsLetterOrDigit(text[_position]) || text[_position] == '_'))
            {
                _position++;
            }
            return _position > start ? text[start.._position] : throw Error("name expected");
        }

        public void SkipSpace()
        {
            while (!AtEnd && char.IsWhiteSpace(text[_position]))
            {
                _position++;
            }
        }

        private bool Take(char c)
        {
            SkipSpace();
            if (!AtEnd && text[_position] == c)
            {
                _position++;
                return true;
            }
            return false;
        }

        private void Expect(char c)
        {
            if (!Take(c))
            {
                throw Error($"'{c}' expected");
            }
        }

        public FormatException Error(string problem) => new($"{problem} at {_position} in ARM expression [{text}]");
    }
}
