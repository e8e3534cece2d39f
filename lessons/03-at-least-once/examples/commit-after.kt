// At-least-once on the consumer side: process first, commit afterwards (the Kotlin twin of commit-after.py).
//
// Step 1 fills the topic with 200 shipments. Step 2 is a consumer that processes each message and
// commits after every 20. It crashes after processing shipment 110, before the commit that would
// have covered it. Step 3 restarts it in the same group. The crash is simulated: the first
// instance stops and closes its consumer; with enable.auto.commit=false, close() commits nothing.
@file:JvmName("CommitAfter")

import java.time.Duration
import java.util.Properties
import org.apache.kafka.clients.consumer.ConsumerConfig
import org.apache.kafka.clients.consumer.KafkaConsumer
import org.apache.kafka.clients.consumer.OffsetAndMetadata
import org.apache.kafka.clients.producer.KafkaProducer
import org.apache.kafka.clients.producer.ProducerConfig
import org.apache.kafka.clients.producer.ProducerRecord
import org.apache.kafka.common.TopicPartition
import org.apache.kafka.common.serialization.StringDeserializer
import org.apache.kafka.common.serialization.StringSerializer

val BOOTSTRAP: String = System.getenv("BOOTSTRAP_SERVERS")
const val TOPIC = "shipments"
const val COUNT = 200
const val COMMIT_EVERY = 20
const val CRASH_AFTER = "shipment-110"
const val IDLE_MILLIS = 3000L

fun fillTopic() {
    val config = Properties().apply {
        put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP)
        put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer::class.java.name)
        put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer::class.java.name)
    }
    KafkaProducer<String, String>(config).use { producer ->
        for (i in 1..COUNT) {
            val shipmentId = "shipment-$i"
            println("sent $shipmentId")
            producer.send(ProducerRecord(TOPIC, shipmentId)) { metadata, error ->
                if (error != null) println("failed $shipmentId ${error.javaClass.simpleName}")
                else println("acked $shipmentId ${metadata.partition()} ${metadata.offset()}")
            }
        }
        producer.flush()
    }
}

fun runConsumer(crashAfter: String? = null) {
    val config = Properties().apply {
        put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP)
        put(ConsumerConfig.GROUP_ID_CONFIG, "warehouse")
        put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false)
        put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest")
        put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer::class.java.name)
        put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer::class.java.name)
    }
    KafkaConsumer<String, String>(config).use { consumer ->
        // One partition, owned by this instance: assign() it directly instead of subscribe(), so the
        // example never waits for a group rebalance. Offsets are still committed to the group.
        val partition = TopicPartition(TOPIC, 0)
        consumer.assign(listOf(partition))
        var handled = 0
        var deadline = System.currentTimeMillis() + 10_000   // the first fetch can take a moment
        while (System.currentTimeMillis() < deadline) {
            for (record in consumer.poll(Duration.ofSeconds(1))) {
                deadline = System.currentTimeMillis() + IDLE_MILLIS
                val shipmentId = record.value()
                println("processed $shipmentId")                 // 1. do the work
                if (shipmentId == crashAfter) {
                    println("crash: $shipmentId processed but not committed")
                    return                                        // use {} closes the consumer, committing nothing
                }
                handled++
                if (handled % COMMIT_EVERY == 0) {
                    // 2. then record progress: the committed offset is the NEXT one to read
                    consumer.commitSync(mapOf(partition to OffsetAndMetadata(record.offset() + 1)))
                }
            }
        }
    }
}

fun main() {
    fillTopic()
    println("-- first instance starts")
    runConsumer(crashAfter = CRASH_AFTER)
    println("-- restarted instance resumes from the committed offset")
    runConsumer()
}
