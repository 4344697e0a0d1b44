using System;

namespace ConcurrencyGuard.Analyzers;

/// <summary>"How long is this <c>TimeSpan</c> expression?", folded at compile time where it is constant in effect.</summary>
public static class TimeSpans
{
    /// <summary>
    /// The length of a <c>TimeSpan</c> expression when it is a compile-time constant in effect:
    /// <c>TimeSpan.FromSeconds(600)</c> (and the other <c>From*</c> factories), <c>new TimeSpan(...)</c>
    /// with constant arguments, <c>TimeSpan.MaxValue</c>, <c>Timeout.InfiniteTimeSpan</c>
    /// (returned as <see cref="System.TimeSpan.MaxValue"/>, with <paramref name="infinite"/> true).
    /// </summary>
    public static bool TryGetConstant(IOperation value, out System.TimeSpan span, out bool infinite)
    {
        span = default;
        infinite = false;
        value = OperationWalk.Strip(value, Wrappers.ConversionsAndParentheses);

        switch (value)
        {
            case IFieldReferenceOperation { Field: { IsStatic: true } field }:
                var owner = field.ContainingType?.ToDisplayString();
                if (owner == WellKnownTypeNames.ThreadingTimeout && field.Name == "InfiniteTimeSpan")
                {
                    span = System.TimeSpan.MaxValue;
                    infinite = true;
                    return true;
                }

                if (owner == WellKnownTypeNames.TimeSpan && field.Name == "MaxValue")
                {
                    span = System.TimeSpan.MaxValue;
                    return true;
                }

                return false;
            case IInvocationOperation { TargetMethod: { IsStatic: true } method } invocation
                when method.ContainingType?.ToDisplayString() == WellKnownTypeNames.TimeSpan && invocation.Arguments.Length >= 1:
                if (!TryGetNumber(invocation.Arguments[0].Value, out var amount))
                {
                    return false;
                }

                for (var i = 1; i < invocation.Arguments.Length; i++)
                {
                    if (invocation.Arguments[i].ArgumentKind != ArgumentKind.DefaultValue)
                    {
                        return false;
                    }
                }

                double seconds = method.Name switch
                {
                    "FromDays" => amount * 86400,
                    "FromHours" => amount * 3600,
                    "FromMinutes" => amount * 60,
                    "FromSeconds" => amount,
                    "FromMilliseconds" => amount / 1000,
                    "FromTicks" => amount / 1e7,
                    _ => double.NaN,
                };
                return FromSeconds(seconds, out span, out infinite);
            case IObjectCreationOperation creation when creation.Type?.ToDisplayString() == WellKnownTypeNames.TimeSpan:
                var numbers = new double[creation.Arguments.Length];
                for (var i = 0; i < numbers.Length; i++)
                {
                    if (!TryGetNumber(creation.Arguments[i].Value, out numbers[i]))
                    {
                        return false;
                    }
                }

                double total = numbers.Length switch
                {
                    1 => numbers[0] / 1e7,
                    3 => numbers[0] * 3600 + numbers[1] * 60 + numbers[2],
                    4 => numbers[0] * 86400 + numbers[1] * 3600 + numbers[2] * 60 + numbers[3],
                    5 => numbers[0] * 86400 + numbers[1] * 3600 + numbers[2] * 60 + numbers[3] + numbers[4] / 1000,
                    _ => double.NaN,
                };
                return FromSeconds(total, out span, out infinite);
            default:
                return false;
        }
    }

    private static bool FromSeconds(double seconds, out System.TimeSpan span, out bool infinite)
    {
        infinite = false;
        span = default;
        if (double.IsNaN(seconds))
        {
            return false;
        }

        // -1 ms is how Timeout.Infinite reads as a TimeSpan.
        if (Math.Abs(seconds + 0.001) < 1e-9)
        {
            infinite = true;
            span = System.TimeSpan.MaxValue;
            return true;
        }

        span = seconds >= System.TimeSpan.MaxValue.TotalSeconds ? System.TimeSpan.MaxValue : seconds <= 0 ? System.TimeSpan.Zero : System.TimeSpan.FromTicks((long)(seconds * 1e7));
        return true;
    }

    private static bool TryGetNumber(IOperation operation, out double number)
    {
        number = 0;
        var constant = operation.ConstantValue;
        if (!constant.HasValue || constant.Value is null)
        {
            return false;
        }

        try
        {
            number = Convert.ToDouble(constant.Value, System.Globalization.CultureInfo.InvariantCulture);
            return true;
        }
        catch (Exception e) when (e is InvalidCastException or FormatException or OverflowException)
        {
            return false;
        }
    }
}
