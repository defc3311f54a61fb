using System.Globalization;
using Research.Data;

namespace Research.Graphs;

// The Planetoid citation graphs (Yang, Cohen and Salakhutdinov, ICML 2016) in the file layout of their
// repository and of Kipf and Welling's GCN code: ind.<name>.{x, tx, allx, y, ty, ally, graph} are Python
// pickles (scipy.sparse CSR feature matrices, numpy one-hot label arrays, a defaultdict of adjacency lists)
// and ind.<name>.test.index is a text file of node ids. The assembly follows Kipf's load_data and DGL's
// CitationGraphDataset, which FF-G2M loads:
//  - node test.index[k] has features tx[k] and label ty[k]; nodes 0 .. allx.rows-1 have allx/ally;
//    nodes past allx that no test index names (Citeseer's isolated nodes) get zero features and label 0
//    and belong to no split;
//  - features are row-normalised (each row divided by its sum; an all-zero row stays zero), as DGL does;
//  - train = the first y.rows nodes, val = the next 500 (test nodes excluded), test = the test.index nodes;
//  - edges are made undirected, self-loops and repeated pairs dropped (FF-G2M removes self-loops and adds
//    one per node; Graph.WithSelfLoops does the adding).

/// <summary>How <see cref="Planetoid.Load"/> assembles a graph.</summary>
/// <param name="NormalizeFeatures">Divide each feature row by its sum (DGL's preprocessing), on by default.</param>
/// <param name="ValNodes">Validation nodes after the training nodes: 500 in the public split.</param>
public sealed record PlanetoidOptions(bool NormalizeFeatures = true, int ValNodes = 500);

/// <summary>Loads Cora, Citeseer, Pubmed or any graph stored in the Planetoid file layout from a folder the
/// user names. Every problem with a file raises <see cref="DataFileException"/> naming the file, what was
/// expected and what was found.</summary>
public static class Planetoid
{
    /// <summary>The eight files of one dataset, in the order they are read.</summary>
    public static readonly string[] Parts = ["x", "y", "tx", "ty", "allx", "ally", "graph", "test.index"];

    /// <summary>The path of one file: <c>{folder}/ind.{name}.{part}</c>.</summary>
    public static string FilePath(string folder, string name, string part) => Path.Combine(folder, $"ind.{name}.{part}");

    /// <summary>Whether all eight files of <paramref name="name"/> are in <paramref name="folder"/>.</summary>
    public static bool Exists(string folder, string name) => Parts.All(p => File.Exists(FilePath(folder, name, p)));

    /// <summary>16 hex digits of SHA-256 over the eight files of <paramref name="name"/> (each file's part name, length
    /// and bytes, in <see cref="Parts"/> order): two folders with the same fingerprint hold the same dataset, whatever
    /// their paths, and another release of the files changes it. Run keys hold it. A missing file raises
    /// <see cref="DataFileException"/>, as <see cref="Load"/> does.</summary>
    public static string Fingerprint(string folder, string name)
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var part in Parts)
        {
            var path = FilePath(folder, name, part);
            if (!File.Exists(path))
                throw new DataFileException(Path.GetFullPath(path), $"the Planetoid file ind.{name}.{part}",
                    Directory.Exists(folder) ? "no such file in the folder" : "no such folder");
            var bytes = File.ReadAllBytes(path);
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes($"{part} {bytes.Length}\n"));
            hash.AppendData(bytes);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
    }

    /// <summary>Reads and assembles the dataset. <paramref name="name"/> is the file stem (<c>cora</c>, <c>citeseer</c>,
    /// <c>pubmed</c>); the graph is named after it.</summary>
    public static Graph Load(string folder, string name, PlanetoidOptions? options = null)
    {
        options ??= new PlanetoidOptions();
        string P(string part) => FilePath(folder, name, part);
        foreach (var part in Parts)
            if (!File.Exists(P(part)))
                throw new DataFileException(Path.GetFullPath(P(part)), $"the Planetoid file ind.{name}.{part}",
                    Directory.Exists(folder) ? "no such file in the folder" : "no such folder");

        var x = ReadFeatures(P("x"));
        var y = ReadLabels(P("y"));
        var tx = ReadFeatures(P("tx"));
        var ty = ReadLabels(P("ty"));
        var allx = ReadFeatures(P("allx"));
        var ally = ReadLabels(P("ally"));
        var adjacency = ReadGraph(P("graph"));
        var testIndex = ReadTestIndex(P("test.index"));

        int f = allx.Cols, c = ally.Cols;
        RequireRows(P("y"), y.Rows, x.Rows, "ind." + name + ".x");
        RequireRows(P("ty"), ty.Rows, tx.Rows, "ind." + name + ".tx");
        RequireRows(P("ally"), ally.Rows, allx.Rows, "ind." + name + ".allx");
        if (x.Cols != f) throw new DataFileException(P("x"), $"{f} feature columns as in ind.{name}.allx", $"{x.Cols}");
        if (tx.Cols != f) throw new DataFileException(P("tx"), $"{f} feature columns as in ind.{name}.allx", $"{tx.Cols}");
        if (y.Cols != c) throw new DataFileException(P("y"), $"{c} label columns as in ind.{name}.ally", $"{y.Cols}");
        if (ty.Cols != c) throw new DataFileException(P("ty"), $"{c} label columns as in ind.{name}.ally", $"{ty.Cols}");
        if (y.Rows > allx.Rows) throw new DataFileException(P("y"), $"at most {allx.Rows} labelled rows (the rows of ind.{name}.allx)", $"{y.Rows}");
        if (testIndex.Length != tx.Rows)
            throw new DataFileException(P("test.index"), $"{tx.Rows} node ids, one per row of ind.{name}.tx", $"{testIndex.Length}");

        int n = allx.Rows + tx.Rows;
        var isTest = new HashSet<long>();
        foreach (var t in testIndex)
        {
            if (t < allx.Rows)
                throw new DataFileException(P("test.index"), $"test node ids from {allx.Rows} on (after the rows of ind.{name}.allx)", $"node id {t}");
            if (!isTest.Add(t)) throw new DataFileException(P("test.index"), "distinct node ids", $"node id {t} twice");
            n = (int)Math.Max(n, t + 1);
        }

        var features = new float[(long)n * f];
        var labels = new long[n];
        for (int i = 0; i < allx.Rows; i++)
        {
            allx.CopyRow(i, features.AsSpan(i * f, f));
            labels[i] = ally.ArgMax(i);
        }
        for (int k = 0; k < testIndex.Length; k++)
        {
            long node = testIndex[k];
            tx.CopyRow(k, features.AsSpan((int)(node * f), f));
            labels[node] = ty.ArgMax(k);
        }
        if (options.NormalizeFeatures) RowNormalize(features, n, f);

        var edges = new List<(long, long)>();
        foreach (var (node, neighbours) in adjacency)
            foreach (var m in neighbours)
            {
                if (node < 0 || node >= n || m < 0 || m >= n)
                    throw new DataFileException(P("graph"), $"node ids in [0, {n}) (the rows of ind.{name}.allx and ind.{name}.tx)", $"edge {node} -> {m}");
                edges.Add((node, m));
            }

        var train = new bool[n];
        var val = new bool[n];
        var test = new bool[n];
        for (int i = 0; i < y.Rows; i++) train[i] = true;
        for (int i = y.Rows; i < Math.Min(n, y.Rows + options.ValNodes); i++) val[i] = !isTest.Contains(i);
        foreach (var t in testIndex) test[t] = true;

        return Graph.FromArrays(name, n, edges, features, f, labels, c, train, val, test, symmetrize: true);
    }

    private static void RequireRows(string path, int rows, int expected, string other)
    {
        if (rows != expected) throw new DataFileException(path, $"{expected} rows, one per row of {other}", $"{rows}");
    }

    private static void RowNormalize(float[] features, int n, int f)
    {
        for (int i = 0; i < n; i++)
        {
            var row = features.AsSpan(i * f, f);
            double sum = 0;
            foreach (var v in row) sum += v;
            if (sum == 0) continue;
            for (int j = 0; j < f; j++) row[j] = (float)(row[j] / sum);
        }
    }

    // ----- the pickled pieces ---------------------------------------------------------------

    /// <summary>A row-major matrix read from a pickle: CSR arrays, or dense values when the file held a numpy array.</summary>
    private sealed class Matrix
    {
        public int Rows, Cols;
        public long[]? IndPtr, Indices;
        public double[] Values = [];
        public bool Dense;

        public void CopyRow(int r, Span<float> dest)
        {
            if (Dense)
            {
                for (int j = 0; j < Cols; j++) dest[j] = (float)Values[(long)r * Cols + j];
                return;
            }
            for (long k = IndPtr![r]; k < IndPtr[r + 1]; k++) dest[(int)Indices![k]] += (float)Values[k];
        }

        public long ArgMax(int r)
        {
            long best = 0;
            double bestValue = double.NegativeInfinity;
            for (int j = 0; j < Cols; j++)
            {
                double v = Values[(long)r * Cols + j];
                if (v > bestValue) (best, bestValue) = (j, v);
            }
            return best;
        }
    }

    private static object? ReadPickle(string path, string expected)
    {
        try
        {
            return PythonPickle.Load(path);
        }
        catch (PickleFormatException e)
        {
            throw new DataFileException(path, expected, "a stream this reader cannot parse: " + e.Message, e);
        }
    }

    private static Matrix ReadFeatures(string path)
    {
        const string expected = "a pickled scipy.sparse.csr_matrix of node features (or a 2-D numpy array)";
        var obj = ReadPickle(path, expected);
        if (obj is NumpyArray dense) return DenseMatrix(path, dense, expected);
        if (obj is not PyObject { Dict: { } d } o || !o.Type.Name.StartsWith("csr_"))
            throw new DataFileException(path, expected, PythonPickle.Describe(obj));
        var shapeValue = Get(d, "_shape") ?? Get(d, "shape") ?? throw new DataFileException(path, expected, "a csr_matrix without a shape");
        long[] shape = ShapeOf(path, shapeValue);
        var data = Array(path, d, "data");
        var indices = Array(path, d, "indices");
        var indptr = Array(path, d, "indptr");
        if (shape.Length != 2) throw new DataFileException(path, "a 2-D matrix", $"shape [{string.Join(", ", shape)}]");
        var m = new Matrix { Rows = checked((int)shape[0]), Cols = checked((int)shape[1]) };
        m.Values = data.ToDoubles();
        m.Indices = indices.ToInt64s();
        m.IndPtr = indptr.ToInt64s();
        if (m.IndPtr.Length != m.Rows + 1)
            throw new DataFileException(path, $"indptr of {m.Rows + 1} entries for {m.Rows} rows", $"{m.IndPtr.Length} entries");
        if (m.Indices.Length != m.Values.Length)
            throw new DataFileException(path, "as many column indices as values", $"{m.Indices.Length} indices and {m.Values.Length} values");
        if (m.IndPtr[0] != 0 || m.IndPtr[^1] != m.Values.Length)
            throw new DataFileException(path, $"indptr running from 0 to {m.Values.Length}", $"{m.IndPtr[0]} to {m.IndPtr[^1]}");
        for (int r = 0; r < m.Rows; r++)
            if (m.IndPtr[r + 1] < m.IndPtr[r]) throw new DataFileException(path, "a non-decreasing indptr", $"indptr[{r + 1}] = {m.IndPtr[r + 1]} < indptr[{r}] = {m.IndPtr[r]}");
        for (long k = 0; k < m.Indices.Length; k++)
            if (m.Indices[k] < 0 || m.Indices[k] >= m.Cols)
                throw new DataFileException(path, $"column indices in [0, {m.Cols})", $"column {m.Indices[k]} at position {k}");
        return m;
    }

    private static Matrix ReadLabels(string path)
    {
        const string expected = "a pickled 2-D numpy array of one-hot labels";
        var obj = ReadPickle(path, expected);
        if (obj is not NumpyArray a) throw new DataFileException(path, expected, PythonPickle.Describe(obj));
        return DenseMatrix(path, a, expected);
    }

    private static Matrix DenseMatrix(string path, NumpyArray a, string expected)
    {
        if (a.Shape.Length != 2) throw new DataFileException(path, expected, $"an array of shape [{string.Join(", ", a.Shape)}]");
        try
        {
            return new Matrix { Rows = checked((int)a.Shape[0]), Cols = checked((int)a.Shape[1]), Values = a.ToDoubles(), Dense = true };
        }
        catch (InvalidDataException e)
        {
            throw new DataFileException(path, expected, e.Message, e);
        }
    }

    private static object? Get(Dictionary<object, object?> d, string key) => d.TryGetValue(key, out var v) ? v : null;

    private static long[] ShapeOf(string path, object? v) => v is object?[] t && t.All(e => e is long)
        ? t.Select(e => (long)e!).ToArray()
        : throw new DataFileException(path, "a csr_matrix shape as a tuple of two ints", PythonPickle.Describe(v));

    private static NumpyArray Array(string path, Dictionary<object, object?> d, string key) =>
        Get(d, key) as NumpyArray ?? throw new DataFileException(path, $"a csr_matrix with a numpy array '{key}'", d.ContainsKey(key) ? PythonPickle.Describe(d[key]) : "no such entry");

    private static List<(long Node, List<long> Neighbours)> ReadGraph(string path)
    {
        const string expected = "a pickled dict (defaultdict) of node id -> list of neighbour ids";
        var obj = ReadPickle(path, expected);
        if (obj is not Dictionary<object, object?> d) throw new DataFileException(path, expected, PythonPickle.Describe(obj));
        var result = new List<(long, List<long>)>(d.Count);
        foreach (var (key, value) in d)
        {
            if (key is not long node) throw new DataFileException(path, expected, $"key {PythonPickle.Describe(key)}");
            IEnumerable<object?> items = value switch
            {
                List<object?> l => l,
                object?[] t => t,
                HashSet<object?> s => s,
                _ => throw new DataFileException(path, expected, $"node {node} maps to {PythonPickle.Describe(value)}"),
            };
            var list = new List<long>();
            foreach (var item in items)
                list.Add(item is long m ? m : throw new DataFileException(path, expected, $"node {node} lists neighbour {PythonPickle.Describe(item)}"));
            result.Add((node, list));
        }
        return result;
    }

    private static long[] ReadTestIndex(string path)
    {
        var result = new List<long>();
        int lineNo = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            var s = line.Trim();
            if (s.Length == 0) continue;
            if (!long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
                throw new DataFileException(path, "one integer node id per line", $"'{(s.Length > 30 ? s[..30] + "…" : s)}' on line {lineNo}");
            result.Add(v);
        }
        if (result.Count == 0) throw new DataFileException(path, "one integer node id per line", "no ids");
        return result.ToArray();
    }
}
