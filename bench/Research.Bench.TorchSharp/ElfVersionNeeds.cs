using System.Buffers.Binary;
using System.Text;

namespace Research.Bench.TorchSharp;

/// <summary>Marks one symbol-version need of an ELF64 shared library weak, so that the dynamic linker loads it even
/// where the library it names lacks that version (glibc then only warns under LD_DEBUG=versions). The needs live in
/// the <c>.gnu.version_r</c> section (type SHT_GNU_verneed): one Verneed record per needed library, each with a chain
/// of Vernaux records, one per version, whose <c>vna_flags</c> take VER_FLG_WEAK. Only that flag changes; the file
/// keeps its size and every offset. Layouts as in glibc's elf.h.</summary>
internal static class ElfVersionNeeds
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlgWeak = 0x2;

    /// <summary>Sets VER_FLG_WEAK on the need of <paramref name="version"/> (e.g. GLIBCXX_3.4.32) in the file at
    /// <paramref name="path"/>, in place; throws when the file has no such need.</summary>
    public static void MarkWeak(string path, string version)
    {
        var elf = File.ReadAllBytes(path);
        // e_ident: the magic, then EI_CLASS 2 (64-bit) and EI_DATA 1 (little-endian), the only kind read here.
        if (elf.Length < 64 || !elf.AsSpan(0, 4).SequenceEqual("\u007fELF"u8))
            throw new InvalidDataException($"{path}: not an ELF file");
        if (elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException($"{path}: not a 64-bit little-endian ELF file (class {elf[4]}, data {elf[5]})");
        long sectionTable = (long)U64(elf, 0x28);   // e_shoff
        int entrySize = U16(elf, 0x3A);             // e_shentsize
        int sections = U16(elf, 0x3C);              // e_shnum

        for (int i = 0; i < sections; i++)
        {
            long header = sectionTable + (long)i * entrySize;
            if (U32(elf, header + 4) != ShtGnuVerneed) continue;                              // sh_type
            long needs = (long)U64(elf, header + 24);                                        // sh_offset
            uint stringSection = U32(elf, header + 40);                                       // sh_link: the names' table (.dynstr)
            uint needCount = U32(elf, header + 44);                                           // sh_info: Verneed records
            long strings = (long)U64(elf, sectionTable + stringSection * entrySize + 24);

            long need = needs;
            for (uint n = 0; n < needCount; n++)
            {
                // Verneed: vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32 (offsets relative to the record)
                int auxCount = U16(elf, need + 2);
                long aux = need + U32(elf, need + 8);
                for (int k = 0; k < auxCount; k++)
                {
                    // Vernaux: vna_hash u32, vna_flags u16, vna_other u16, vna_name u32, vna_next u32
                    if (CString(elf, strings + U32(elf, aux + 8)) == version)
                    {
                        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan((int)aux + 4), (ushort)(U16(elf, aux + 4) | VerFlgWeak));
                        File.WriteAllBytes(path, elf);
                        return;
                    }
                    aux += U32(elf, aux + 12);
                }
                need += U32(elf, need + 12);
            }
        }
        throw new InvalidDataException($"{path}: no need of symbol version {version} in its .gnu.version_r section");
    }

    private static ushort U16(byte[] b, long at) => BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(checked((int)at)));
    private static uint U32(byte[] b, long at) => BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(checked((int)at)));
    private static ulong U64(byte[] b, long at) => BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(checked((int)at)));

    private static string CString(byte[] b, long at)
    {
        int start = checked((int)at), end = Array.IndexOf(b, (byte)0, start);
        return Encoding.ASCII.GetString(b, start, end - start);
    }
}
