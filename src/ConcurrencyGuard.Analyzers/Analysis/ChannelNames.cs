namespace ConcurrencyGuard.Analyzers;

/// <summary>How channel messages name a queue: the local, field or property its creation is stored in.</summary>
public static class ChannelNames
{
    /// <summary>The name of the local/field/property that <paramref name="creation"/> is stored in, or <paramref name="fallback"/>.</summary>
    public static string NameOf(IOperation creation, string fallback)
    {
        var use = Escapes.Classify(creation);
        if (use.Target is not null && use.Kind is EscapeKind.CopiedToLocal or EscapeKind.StoredInPrivateMember or EscapeKind.StoredInNonPrivateMember)
        {
            return use.Target.Name;
        }

        return use.Consumer is IFieldInitializerOperation { InitializedFields.Length: > 0 } field ? field.InitializedFields[0].Name
            : use.Consumer is IPropertyInitializerOperation { InitializedProperties.Length: > 0 } property ? property.InitializedProperties[0].Name
            : fallback;
    }
}
