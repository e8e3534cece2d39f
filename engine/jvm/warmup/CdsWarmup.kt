// The Kotlin twins' warm-up for their class-data-sharing archive (engine/jvm/cds.py): builds a
// producer and a consumer and closes them, nothing connected, using the Kotlin library the way the
// twins do (ranges, collections, string templates, lambdas), so that the archive holds the Kotlin
// runtime's classes as well as kafka-clients'.
@file:JvmName("CdsWarmup")

import java.time.Duration
import java.util.Properties
import org.apache.kafka.clients.consumer.ConsumerConfig
import org.apache.kafka.clients.consumer.KafkaConsumer
import org.apache.kafka.clients.producer.KafkaProducer
import org.apache.kafka.clients.producer.ProducerConfig
import org.apache.kafka.clients.producer.ProducerRecord
import org.apache.kafka.common.TopicPartition
import org.apache.kafka.common.serialization.StringDeserializer
import org.apache.kafka.common.serialization.StringSerializer

fun main() {
    val producer = KafkaProducer<String, String>(Properties().apply {
        put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9")
        put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer::class.java.name)
        put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer::class.java.name)
    })
    val ids = (1..3).map { "warm-$it" }.filter { it.isNotEmpty() }.toMutableList()
    val seen = mutableMapOf<String, Int>().withDefault { 0 }
    ids.forEach { seen[it] = seen.getValue(it) + 1 }
    println("warm ${ProducerRecord("warmup", ids.first(), ids.joinToString(",")).topic()} ${seen.size}")
    producer.close(Duration.ZERO)

    val consumer = KafkaConsumer<String, String>(Properties().apply {
        put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9")
        put(ConsumerConfig.GROUP_ID_CONFIG, "warmup")
        put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer::class.java.name)
        put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer::class.java.name)
    })
    consumer.assign(listOf(TopicPartition("warmup", 0)))
    consumer.close(Duration.ZERO)
}
