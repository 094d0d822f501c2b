namespace Rapidbyte.Contracts;

/// <summary>How a destination applies the rows it receives.</summary>
public enum WriteMode
{
    /// <summary>Add the rows to the table.</summary>
    Append,
    /// <summary>Swap the table for the new rows atomically at the end.</summary>
    Replace,
    /// <summary>Insert or update by primary key.</summary>
    Upsert,
}
